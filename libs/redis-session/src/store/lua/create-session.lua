-- create-session: write a brand-new session record, only if the key does not exist (S24).
-- KEYS[1]  the new session record
-- ARGV[1]  idle timeout, ms
-- ARGV[2]  absolute timeout, ms (used when ARGV[4] is empty)
-- ARGV[3]  created-at, ms, or '' for the server's now
-- ARGV[4]  absolute deadline, ms, or '' for created-at + absolute timeout
-- ARGV[5]  user ID, or '' for an anonymous session
-- ARGV[6]  authenticated-at, ms, 'now' for the server's now, or '' when anonymous
-- ARGV[7..] data fields: name, JSON value, name, JSON value, ...
-- Returns  0 when the key already exists (nothing written) | { now, createdAt, deadline, authenticatedAt or -1 }
-- Invariant: the key is written once with every library field and a TTL no later than the deadline.
-- unpack() is limited to a few thousand values: write in slices.
local function callChunked(command, key, list, first, last)
  local step = 1000
  for i = first, last, step do
    redis.call(command, key, unpack(list, i, math.min(i + step - 1, last)))
  end
end

local key = KEYS[1]
if redis.call('EXISTS', key) == 1 then return 0 end

local idle = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local created = now
if ARGV[3] ~= '' then created = tonumber(ARGV[3]) end
local deadline = created + tonumber(ARGV[2])
if ARGV[4] ~= '' then deadline = tonumber(ARGV[4]) end
if now >= deadline then return 0 end

local record = { '#c', created, '#s', now, '#d', deadline }
local authAt = -1
if ARGV[5] ~= '' then
  authAt = now
  if ARGV[6] ~= 'now' then authAt = tonumber(ARGV[6]) end
  record[#record + 1] = '#u'
  record[#record + 1] = ARGV[5]
  record[#record + 1] = '#t'
  record[#record + 1] = authAt
end
for i = 7, #ARGV do record[#record + 1] = ARGV[i] end

callChunked('HSET', key, record, 1, #record)
redis.call('PEXPIRE', key, math.min(idle, deadline - now))
return { now, created, deadline, authAt }
