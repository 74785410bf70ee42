-- wrk: public sign-ups, each from its own client address (X-Forwarded-For, trusted from 127.0.0.1)
-- with a proof of work solved before the run: lines "ip<TAB>body" of the file named by the first
-- argument; thread k of T takes lines k+1, k+1+T, ... Each line is used once; a thread that runs
-- out of lines starts again (those repeats are refused as used proofs and show as non-2xx).
local threads = 0
function setup(thread)
    thread:set("id", threads)
    threads = threads + 1
end
function init(args)
    lines = {}
    local i = 0
    local total = tonumber(args[2])
    for line in io.lines(args[1]) do
        if i % total == id then
            lines[#lines + 1] = line
        end
        i = i + 1
    end
    n = 0
end
function request()
    n = n + 1
    local line = lines[((n - 1) % #lines) + 1]
    local tab = line:find("\t")
    return wrk.format("POST", "/api/v1/subscriptions", { ["Content-Type"] = "application/json",
        ["X-Forwarded-For"] = line:sub(1, tab - 1) }, line:sub(tab + 1))
end
