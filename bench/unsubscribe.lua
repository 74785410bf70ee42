-- wrk: one-click unsubscribes (RFC 8058: POST List-Unsubscribe=One-Click), each with its own
-- token: thread k of T takes lines k+1, k+1+T, ... of the file named by the first argument.
local threads = 0
function setup(thread)
    thread:set("id", threads)
    threads = threads + 1
    thread:set("count", 0)
end
function init(args)
    paths = {}
    local i = 0
    local total = tonumber(args[2])
    for line in io.lines(args[1]) do
        if i % total == id then
            paths[#paths + 1] = line
        end
        i = i + 1
    end
    n = 0
end
function request()
    n = n + 1
    local path = paths[((n - 1) % #paths) + 1]
    return wrk.format("POST", path, { ["Content-Type"] = "application/x-www-form-urlencoded" }, "List-Unsubscribe=One-Click")
end
