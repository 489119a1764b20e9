-- load-session: read a session, enforce its deadlines, refresh its idle timer when due. One round trip per
-- request. Called by RedisSessionStore.load (every request that uses the session).
-- KEYS[1]  the session record (a hash at <prefix>{<publicId>})
-- ARGV[1]  idle timeout of a signed-in session, ms
-- ARGV[2]  idle timeout of an anonymous session, ms
-- ARGV[3]  touchAfter of a signed-in session, ms: refresh last-seen and the TTL only when the last refresh
--          is older
-- ARGV[4]  touchAfter of an anonymous session, ms
-- ARGV[5]  grace, ms: the key outlives its idle deadline by this much (never its absolute deadline), so
--          a session presented just after it went idle is reported as expired rather than unknown
-- Returns  0 no record | 1 malformed record | 2 idle-expired (deleted) | 3 past the absolute deadline (deleted)
--          | { 4, successor publicId, former owner or '', successor's owner or '', forwarding (1/0) } for a
--            rotation tombstone (retire-session.lua); forwarding is 1 within its forwarding window
--          | { now, lastSeen, touched (0/1), field1, value1, ... } (every field of the hash)
-- Invariants: deadlines are judged by the server clock; the TTL is never pushed past the absolute
-- deadline (#d), whatever the key's TTL says (S19, S20); the key always ends with a TTL (S21). The
-- refresh is best-effort: when Redis refuses the write (out of memory) the session is still served and
-- the next request tries again.
local key = KEYS[1]
-- No TYPE first: HGETALL itself tells the cases apart (a hash is never empty in Redis, and any other type
-- answers WRONGTYPE), one command less on every request.
local fields = redis.pcall('HGETALL', key)
if fields['err'] then return 1 end
if #fields == 0 then return 0 end

local created, seen, deadline, owner, forward, former, successorOwner, forwardUntil
for i = 1, #fields, 2 do
  local name = fields[i]
  if name == '#c' then created = tonumber(fields[i + 1])
  elseif name == '#s' then seen = tonumber(fields[i + 1])
  elseif name == '#d' then deadline = tonumber(fields[i + 1])
  elseif name == '#u' then owner = fields[i + 1]
  elseif name == '#f' then forward = fields[i + 1]
  elseif name == '#o' then former = fields[i + 1]
  elseif name == '#n' then successorOwner = fields[i + 1]
  elseif name == '#g' then forwardUntil = tonumber(fields[i + 1]) end
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if forward then
  local forwarding = 0
  if forwardUntil and now < forwardUntil then forwarding = 1 end
  return { 4, forward, former or '', successorOwner or '', forwarding }
end
-- tonumber() rejects junk; x ~= x catches NaN; a record the library wrote has created <= seen < deadline.
if not created or not seen or not deadline or created ~= created or seen ~= seen or deadline ~= deadline
  or created > seen or seen >= deadline or created > now + 60000 then
  return 1
end

local idle, touchAfter = tonumber(ARGV[1]), tonumber(ARGV[3])
if not owner then idle, touchAfter = tonumber(ARGV[2]), tonumber(ARGV[4]) end
local grace = tonumber(ARGV[5])

if now >= deadline then
  redis.call('DEL', key)
  return 3
end
if now >= seen + idle then
  redis.call('DEL', key)
  return 2
end

local touched = 0
if now - seen >= touchAfter then
  -- pcall: under maxmemory with noeviction Redis refuses the HSET (OOM); a read must not fail for that.
  local written = redis.pcall('HSET', key, '#s', now)
  if type(written) ~= 'table' or not written['err'] then
    redis.call('PEXPIREAT', key, math.min(now + idle + grace, deadline))
    seen = now
    touched = 1
  end
elseif redis.call('PTTL', key) < 0 then
  -- Someone removed the TTL (PERSIST): put it back, never beyond the deadline.
  redis.call('PEXPIREAT', key, math.min(seen + idle + grace, deadline))
end

local reply = { now, seen, touched }
for i = 1, #fields do reply[i + 3] = fields[i] end
return reply
