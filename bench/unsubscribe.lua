-- wrk: one-click unsubscribes (RFC 8058: POST List-Unsubscribe=One-Click), each with its own
-- token path from the file named by the first argument (the second is wrk's thread count).
local split = require("bench.lines")
setup = split.number
function init(args)
    paths = split.take(args[1], id, tonumber(args[2]))
    n = 0
end
function request()
    n = n + 1
    local path = paths[((n - 1) % #paths) + 1]
    return wrk.format("POST", path, { ["Content-Type"] = "application/x-www-form-urlencoded" }, "List-Unsubscribe=One-Click")
end
