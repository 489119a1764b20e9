-- update-session: write the data fields a request changed, delete the ones it removed, refresh the TTL,
-- within the size limit. Called by RedisSessionStore.update (a save after the handler).
-- KEYS[1]  the session record
-- ARGV[1]  idle timeout of a signed-in session, ms
-- ARGV[2]  idle timeout of an anonymous session, ms
-- ARGV[3]  grace, ms, that the key outlives the idle deadline (see touch-session.lua)
-- ARGV[4]  most bytes of data a session may hold (maxSessionBytes): field names and values
-- ARGV[5]  number of fields to set (n)
-- ARGV[6 .. 5+2n]  name, JSON value pairs to set
-- ARGV[6+2n ..]    names to delete
-- Returns  { now, lastSeen } when written
--          | 0 when the record is gone, malformed or past a deadline (nothing written)
--          | { 4, successor publicId, former owner or '', successor's owner or '', forwarding (1/0) } when
--            the key is a rotation tombstone (nothing written; the caller decides whether the changes
--            follow: only within the forwarding window, when forwarding is 1)
--          | { 5, bytes } when the data would grow to `bytes`, over the limit (nothing written)
-- Invariants: never recreates a record: a save from a request that loaded the session before a logout,
-- revoke or rotation writes nothing here (no resurrection, S23). Other fields are untouched, so
-- concurrent requests that change different keys both keep their change. The size limit holds for the
-- stored record whatever other requests wrote meanwhile (S44): a write that makes the data larger is
-- refused when the result would pass the limit; a write that does not grow it always goes through, so a
-- session over the limit (the limit was lowered) can always be brought back under it.
-- Writes in slices (callChunked, in the prelude): unpack() takes only a few thousand values.
local key = KEYS[1]
-- No TYPE first: HMGET answers WRONGTYPE for another type (readRecord gives nil), only nils for a missing key.
local meta = readRecord('HMGET', key, '#s', '#d', '#f', '#u', '#o', '#n', '#g')
if not meta then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if meta[3] then
  local forwardUntil = tonumber(meta[7])
  local forwarding = 0
  if forwardUntil and now < forwardUntil then forwarding = 1 end
  return { 4, meta[3], meta[5] or '', meta[6] or '', forwarding }
end
local seen, deadline = tonumber(meta[1]), tonumber(meta[2])
if not seen or not deadline or seen ~= seen or deadline ~= deadline then return 0 end

local idle = tonumber(ARGV[2])
if meta[4] then idle = tonumber(ARGV[1]) end
local grace = tonumber(ARGV[3])
if now >= deadline or now >= seen + idle then
  redis.call('DEL', key)
  return 0
end

local count = tonumber(ARGV[5])
local last = 5 + 2 * count
-- What this write adds to the stored data, in bytes. A JSON value is never empty, so a length of 0 means
-- the field is absent.
local growth = 0
for i = 6, last, 2 do
  local old = redis.call('HSTRLEN', key, ARGV[i])
  if old == 0 then growth = growth + #ARGV[i] + #ARGV[i + 1] else growth = growth + #ARGV[i + 1] - old end
end
for i = last + 1, #ARGV do
  local old = redis.call('HSTRLEN', key, ARGV[i])
  if old > 0 then growth = growth - #ARGV[i] - old end
end
if growth > 0 then
  -- Only a growing write needs the total: data fields are those not starting with one '#' (35).
  local total = growth
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    local name = all[i]
    if string.byte(name, 1) ~= 35 or string.byte(name, 2) == 35 then total = total + #name + #all[i + 1] end
  end
  if total > tonumber(ARGV[4]) then return { 5, total } end
end

-- '#s' travels with the first slice of changed fields: one HSET for a usual save.
local first = math.min(last, 5 + 998)
redis.call('HSET', key, '#s', now, unpack(ARGV, 6, first))
if first < last then callChunked('HSET', key, ARGV, first + 1, last) end
if #ARGV > last then callChunked('HDEL', key, ARGV, last + 1, #ARGV) end
redis.call('PEXPIREAT', key, math.min(now + idle + grace, deadline))
return { now, now }
