-- prelude: put in front of every script of this folder by LuaScript (lua-script.ts), so what it defines is
-- written once.

-- Reads a key that should hold a session record. A key of another type answers WRONGTYPE: that key is not
-- a session, and the read gives nil. Any other refusal (an ACL without the command, NOPERM) is trouble
-- with Redis, not an answer about the session: it is raised, so the caller reports the store as failing
-- (a 503) instead of treating the session as gone and signing its user out.
local function readRecord(command, key, ...)
  local reply = redis.pcall(command, key, ...)
  if type(reply) == 'table' and reply['err'] then
    if string.sub(reply['err'], 1, 9) == 'WRONGTYPE' then return nil end
    error(reply)
  end
  return reply
end

-- Runs a write that a script may go without when Redis is out of memory (maxmemory with noeviction
-- refuses writes with OOM): returns false then. Any other refusal is raised, as in readRecord.
local function writeUnlessOutOfMemory(command, key, ...)
  local reply = redis.pcall(command, key, ...)
  if type(reply) == 'table' and reply['err'] then
    if string.sub(reply['err'], 1, 3) == 'OOM' then return false end
    error(reply)
  end
  return true
end

-- Runs `command key <list[first..last]>` in slices of 1,000 values: Lua's unpack() takes only a few
-- thousand, and a record may have tens of thousands of keys.
local function callChunked(command, key, list, first, last)
  local step = 1000
  for i = first, last, step do
    redis.call(command, key, unpack(list, i, math.min(i + step - 1, last)))
  end
end
