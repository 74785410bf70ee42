-- wrk: a sign-up with a new address on every request (thread number and a counter), to the
-- newsletter "weekly", with the token in the Authorization header (set by bench/signup.sh).
local threads = 0
function setup(thread)
    thread:set("id", threads)
    threads = threads + 1
end
function request()
    n = n + 1
    local body = '{"email":"' .. prefix .. '-' .. id .. '-' .. n .. '@bench.example","newsletters":["weekly"],"consent":true,"consentVersion":1}'
    return wrk.format("POST", "/api/v1/subscriptions", { ["Content-Type"] = "application/json", ["Authorization"] = auth }, body)
end
function init(args)
    n = 0
    prefix = args[1] or "wrk"
    auth = "Bearer " .. (args[2] or "")
end
