-- update-session: write the data fields a request changed, delete the ones it removed, refresh the TTL.
-- KEYS[1]  the session record
-- ARGV[1]  idle timeout, ms
-- ARGV[2]  grace, ms, that the key outlives the idle deadline (see load-session.lua)
-- ARGV[3]  number of fields to set (n)
-- ARGV[4 .. 3+2n]  name, JSON value pairs to set
-- ARGV[4+2n ..]    names to delete
-- Returns  { now, lastSeen } when written | 0 when the record is gone, malformed or past a deadline
--          | { 4, new publicId } when the key is a rotation tombstone: the caller re-applies its changes there
-- Invariant: never recreates a record. A save from a request that loaded the session before a logout,
-- revoke or rotation writes nothing (no resurrection, S23). Other fields are untouched, so concurrent
-- requests that change different keys both keep their change.
-- unpack() is limited to a few thousand values: write in slices.
local function callChunked(command, key, list, first, last)
  local step = 1000
  for i = first, last, step do
    redis.call(command, key, unpack(list, i, math.min(i + step - 1, last)))
  end
end

local key = KEYS[1]
-- No TYPE first: HMGET answers WRONGTYPE for another type, and only nils for a missing key.
local meta = redis.pcall('HMGET', key, '#s', '#d', '#f')
if meta['err'] then return 0 end
if meta[3] then return { 4, meta[3] } end
local seen, deadline = tonumber(meta[1]), tonumber(meta[2])
if not seen or not deadline or seen ~= seen or deadline ~= deadline then return 0 end

local idle = tonumber(ARGV[1])
local grace = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now >= deadline or now >= seen + idle then
  redis.call('DEL', key)
  return 0
end

local count = tonumber(ARGV[3])
local last = 3 + 2 * count
-- '#s' travels with the first slice of changed fields: one HSET for a usual save.
local first = math.min(last, 3 + 998)
redis.call('HSET', key, '#s', now, unpack(ARGV, 4, first))
if first < last then callChunked('HSET', key, ARGV, first + 1, last) end
if #ARGV > last then callChunked('HDEL', key, ARGV, last + 1, #ARGV) end
redis.call('PEXPIREAT', key, math.min(now + idle + grace, deadline))
return { now, now }
