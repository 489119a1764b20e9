-- touch-session: refresh a session's idle timer (last seen, and the key's TTL) when a read found it due
-- (every touchAfter). Reads themselves are a plain HGETALL judged in the app by the server's clock
-- (RedisSessionStore.load); this script is the only write a read can cause. Called by
-- RedisSessionStore.load.
-- KEYS[1]  the session record
-- ARGV[1]  idle timeout of a signed-in session, ms
-- ARGV[2]  idle timeout of an anonymous session, ms
-- ARGV[3]  grace, ms: the key outlives its idle deadline by this much (never its absolute deadline), so
--          a session presented just after it went idle is reported as expired rather than unknown
-- Returns  { now } refreshed | 0 gone (absent, not a session, or past a deadline: nothing written)
--          | 2 a rotation tombstone: a login or regenerate retired the record since it was read (nothing
--          written) | 1 refused by Redis (out of memory): the session is served unchanged and the next
--          read tries again
-- Invariants: deadlines are judged by the server clock; the TTL is never pushed past the absolute
-- deadline (#d) (S19, S20), and is put back if someone removed it (S21); never recreates a record.
local key = KEYS[1]
local meta = readRecord('HMGET', key, '#s', '#d', '#u', '#f')
if not meta then return 0 end
if meta[4] then return 2 end
local seen, deadline = tonumber(meta[1]), tonumber(meta[2])
if not seen or not deadline or seen ~= seen or deadline ~= deadline then return 0 end

local idle = tonumber(ARGV[2])
if meta[3] then idle = tonumber(ARGV[1]) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now >= deadline or now >= seen + idle then return 0 end

-- Under maxmemory with noeviction Redis refuses the HSET (OOM); a read must not fail for that.
if not writeUnlessOutOfMemory('HSET', key, '#s', now) then return 1 end
redis.call('PEXPIREAT', key, math.min(now + idle + tonumber(ARGV[3]), deadline))
return { now }
