-- retire-session: the gate of every rotation (login, regenerate). Turns a live record into a short-lived
-- tombstone that says where the session went, and hands back the record's last fields. It runs BEFORE
-- the successor is created, so a rotation whose record is gone (logged out, revoked, expired, evicted)
-- or already moved by another rotation creates nothing: it fails closed. Called by RedisSessionStore.retire.
-- KEYS[1]  the old session record
-- ARGV[1]  the successor's publicId
-- ARGV[2]  forwarding window, ms (rotationGracePeriod; 0: requests with the old ID are never forwarded)
-- ARGV[3]  how long the tombstone lives, ms (at least the forwarding window): long enough for the rest of
--          the rotation, so a logout or revoke racing it sees "moved", not "gone"
-- ARGV[4]  idle timeout of a signed-in session, ms
-- ARGV[5]  idle timeout of an anonymous session, ms
-- ARGV[6]  the successor's owner (user ID), '' for an anonymous successor
-- Returns  { 1, field, value, ... } retired: the old record's fields as they were at this moment (the
--            caller builds the successor from them, and restore-session.lua can put them back)
--          | 0 gone: absent, not a session, or past a deadline (deleted); nothing written
--          | { 4, successor } already a tombstone: another rotation moved it first; nothing written
--          | an error reply when Redis refuses the write (out of memory); nothing changed
-- Invariants: the tombstone holds no data and no authenticated mark, only where the session went ('#f'),
-- who owned it ('#o'), who owns the successor ('#n', '' for anonymous) and until when requests with the
-- old ID are forwarded ('#g', absent when never). Loads forward a request only within that window and
-- only when both owners are the same user (a regenerate, or that user signing in again), so the grace
-- period never extends a login to an old, possibly planted, ID. The tombstone never outlives the
-- session's absolute deadline (S21).
local key = KEYS[1]
local fields = readRecord('HGETALL', key)
if not fields or #fields == 0 then return 0 end

local seen, deadline, owner, forward
local names = {}
for i = 1, #fields, 2 do
  local name = fields[i]
  if name ~= '#o' and name ~= '#n' and name ~= '#g' then names[#names + 1] = name end
  if name == '#s' then seen = tonumber(fields[i + 1])
  elseif name == '#d' then deadline = tonumber(fields[i + 1])
  elseif name == '#u' then owner = fields[i + 1]
  elseif name == '#f' then forward = fields[i + 1] end
end
if forward then return { 4, forward } end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local idle = tonumber(ARGV[5])
if owner then idle = tonumber(ARGV[4]) end
if not seen or not deadline or seen ~= seen or deadline ~= deadline or now >= deadline or now >= seen + idle then
  redis.call('DEL', key)
  return 0
end

local forwardFor = tonumber(ARGV[2])
local tombstone = { '#f', ARGV[1], '#o', owner or '', '#n', ARGV[6] }
if forwardFor > 0 then
  tombstone[#tombstone + 1] = '#g'
  tombstone[#tombstone + 1] = now + forwardFor
end
-- The tombstone is written into the record before its other fields go: if Redis refuses the write (out of
-- memory) the record is still whole and the rotation fails with nothing changed.
local written = redis.pcall('HSET', key, unpack(tombstone))
if type(written) == 'table' and written['err'] then return redis.error_reply(written['err']) end
callChunked('HDEL', key, names, 1, #names)
redis.call('PEXPIREAT', key, math.min(now + tonumber(ARGV[3]), deadline))

local reply = { 1 }
for i = 1, #fields do reply[i + 1] = fields[i] end
return reply
