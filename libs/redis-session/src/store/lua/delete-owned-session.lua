-- delete-owned-session: delete a session only if it belongs to the given user.
-- KEYS[1]  the session record
-- ARGV[1]  the user ID that must own it
-- Returns  1 deleted | 0 absent or owned by someone else (nothing deleted)
-- Invariant: revoke(userId, publicId) can never end another user's session, whatever publicId it is given.
if redis.call('HGET', KEYS[1], '#u') == ARGV[1] then
  redis.call('UNLINK', KEYS[1])
  return 1
end
return 0
