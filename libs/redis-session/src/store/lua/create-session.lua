-- create-session: write a brand-new session record, only if the key does not exist (S24). Called by
-- RedisSessionStore.create: a new session's first save, and the successor of a rotation (after
-- retire-session.lua has let it through).
-- KEYS[1]  the new session record
-- ARGV[1]  idle timeout of a signed-in session, ms
-- ARGV[2]  idle timeout of an anonymous session, ms
-- ARGV[3]  grace, ms, that the key outlives the idle deadline (see touch-session.lua)
-- ARGV[4]  absolute timeout, ms (used when ARGV[6] is empty)
-- ARGV[5]  created-at, ms, or '' for the server's now
-- ARGV[6]  absolute deadline, ms, or '' for created-at + absolute timeout
-- ARGV[7]  user ID, or '' for an anonymous session
-- ARGV[8]  authenticated-at, ms, 'now' for the server's now, or '' when anonymous
-- ARGV[9..] fields: name, value, name, value, ... (data keys with JSON values, and device fields)
-- Returns  0 when the key already exists or the deadline has passed (nothing written)
--          | { now, createdAt, deadline, authenticatedAt or -1 }
-- Invariant: the key is written once with every library field and a TTL no later than the deadline.
-- Writes in slices (callChunked, in the prelude): unpack() takes only a few thousand values.
local key = KEYS[1]
if redis.call('EXISTS', key) == 1 then return 0 end

local idle = tonumber(ARGV[2])
if ARGV[7] ~= '' then idle = tonumber(ARGV[1]) end
local grace = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local created = now
if ARGV[5] ~= '' then created = tonumber(ARGV[5]) end
local deadline = created + tonumber(ARGV[4])
if ARGV[6] ~= '' then deadline = tonumber(ARGV[6]) end
if now >= deadline then return 0 end

local record = { '#c', created, '#s', now, '#d', deadline }
local authAt = -1
if ARGV[7] ~= '' then
  authAt = now
  if ARGV[8] ~= 'now' then authAt = tonumber(ARGV[8]) end
  record[#record + 1] = '#u'
  record[#record + 1] = ARGV[7]
  record[#record + 1] = '#t'
  record[#record + 1] = authAt
end
for i = 9, #ARGV do record[#record + 1] = ARGV[i] end

callChunked('HSET', key, record, 1, #record)
-- Absolute (PEXPIREAT), not relative: PEXPIRE counts from Redis' clock when it runs, which can be a
-- millisecond past TIME above, and the key would then outlive its deadline and its index entry.
redis.call('PEXPIREAT', key, math.min(now + idle + grace, deadline))
return { now, created, deadline, authAt }
