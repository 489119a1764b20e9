-- restore-session: undoes a rotation's retire when the rotation is refused after it (the per-user limit
-- under 'reject', or the merged data over maxSessionBytes): puts the old record back exactly as it was
-- retired, but only while its tombstone still points at the successor that was never handed out. Called
-- by RedisSessionStore.restore.
-- KEYS[1]  the old session record (now a tombstone)
-- ARGV[1]  the successor's publicId the tombstone must point at
-- ARGV[2]  idle timeout of a signed-in session, ms
-- ARGV[3]  idle timeout of an anonymous session, ms
-- ARGV[4]  grace, ms, that the key outlives the idle deadline (see touch-session.lua)
-- ARGV[5..] the old record's fields as retire-session.lua returned them: name, value, ...
-- Returns  1 restored | 0 the tombstone is gone or points elsewhere (nothing written)
-- Invariant: never brings back a session that was ended meanwhile (an end or revoke deletes the tombstone
-- or finds it moved; a second rotation cannot pass the gate while it stands), and the TTL is set as the
-- scripts that wrote the record set it, never beyond the absolute deadline.
local key = KEYS[1]
local forward = readRecord('HGET', key, '#f')
if forward ~= ARGV[1] then return 0 end

local seen, deadline, owner
for i = 5, #ARGV, 2 do
  if ARGV[i] == '#s' then seen = tonumber(ARGV[i + 1])
  elseif ARGV[i] == '#d' then deadline = tonumber(ARGV[i + 1])
  elseif ARGV[i] == '#u' then owner = ARGV[i + 1] end
end
local idle = tonumber(ARGV[3])
if owner then idle = tonumber(ARGV[2]) end

redis.call('DEL', key)
for i = 5, #ARGV, 1000 do
  redis.call('HSET', key, unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('PEXPIREAT', key, math.min(seen + idle + tonumber(ARGV[4]), deadline))
return 1
