-- For wrk scripts: thread k of T (numbered by their setup) takes lines k+1, k+1+T, ... of a file,
-- so that every request of the run uses a line no other thread uses.
local M = {}
local threads = 0
function M.number(thread)
    thread:set("id", threads)
    threads = threads + 1
end
function M.take(path, id, total)
    local lines, i = {}, 0
    for line in io.lines(path) do
        if i % total == id then
            lines[#lines + 1] = line
        end
        i = i + 1
    end
    return lines
end
return M
