-- wrk: public sign-ups, each from its own client address (X-Forwarded-For, trusted from 127.0.0.1)
-- with a proof of work solved before the run: lines "ip<TAB>body" of the file named by the first
-- argument (the second is wrk's thread count). A thread that runs out of lines starts again: those
-- repeats are refused as used proofs and show as non-2xx.
local split = require("bench.lines")
setup = split.number
function init(args)
    lines = split.take(args[1], id, tonumber(args[2]))
    n = 0
end
function request()
    n = n + 1
    local line = lines[((n - 1) % #lines) + 1]
    local tab = line:find("\t")
    return wrk.format("POST", "/api/v1/subscriptions", { ["Content-Type"] = "application/json",
        ["X-Forwarded-For"] = line:sub(1, tab - 1) }, line:sub(tab + 1))
end
