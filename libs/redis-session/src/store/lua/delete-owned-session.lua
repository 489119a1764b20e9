-- delete-owned-session: delete a session only if it belongs to the given user (revoke, revokeAllForUser,
-- the per-user limit). Called by RedisSessionStore.deleteOwned.
-- KEYS[1]  the session record
-- ARGV[1]  the user ID that must own it
-- Returns  1 deleted | 0 absent or owned by someone else (nothing deleted)
--          | { 4, successor } a tombstone of a rotation from this user to this same user: the session now
--            lives at the successor, which the caller revokes in turn (the tombstone is deleted, as is any
--            tombstone this user's session left, so the rotation can no longer be undone)
-- Invariant: revoke(userId, publicId) can never end another user's session, whatever publicId it is given.
local key = KEYS[1]
local values = readRecord('HMGET', key, '#u', '#f', '#o', '#n')
if not values then return 0 end
if values[1] == ARGV[1] then
  redis.call('UNLINK', key)
  return 1
end
if values[2] and values[3] == ARGV[1] then
  -- A rotation of this user's session is in flight (or just done). The tombstone goes, so a rotation
  -- refused after this cannot put the revoked record back (restore-session.lua needs the tombstone).
  redis.call('UNLINK', key)
  if values[4] == ARGV[1] then return { 4, values[2] } end
end
return 0
