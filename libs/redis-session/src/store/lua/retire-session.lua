-- retire-session: replace a session that moved to a new ID (login, regenerate) with a short-lived
-- forwarding tombstone, so requests already in flight with the old cookie reach the new session instead
-- of starting an empty one whose cookie would overwrite the new one in the browser.
-- KEYS[1]  the old session record
-- ARGV[1]  the new session's publicId
-- ARGV[2]  grace period, ms (0: just delete)
-- Returns  { 1, field, value, ... } the old record's last fields, when it existed (the caller carries over
--          what other requests wrote since it loaded them) | 0 when it was already gone (nothing written)
-- Invariants: the tombstone holds no data and no authenticated mark, only where the session went ('#f')
-- and who the old session belonged to ('#o', '' for anonymous): whoever loads it is authenticated only if
-- the new session belongs to that same user, so the grace period never extends a login to an old ID.
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
local former = redis.call('HGET', key, '#u') or ''
local last = redis.call('HGETALL', key)
redis.call('DEL', key)
local grace = tonumber(ARGV[2])
if grace > 0 then
  redis.call('HSET', key, '#f', ARGV[1], '#o', former)
  redis.call('PEXPIRE', key, grace)
end
local reply = { 1 }
for i = 1, #last do reply[i + 1] = last[i] end
return reply
