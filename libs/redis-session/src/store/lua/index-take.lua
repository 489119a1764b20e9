-- index-take: remove every member of a user's index but one, in one step, and return them
-- (revokeAllForUser). Called by RedisSessionStore.indexTake.
-- KEYS[1]  the user's index
-- ARGV[1]  a member to keep (the current session for "sign out all other devices"), or ''
-- Returns  the members removed
-- Invariant: a rotation indexes its new session only while the session it replaces is still a member
-- (index-add.lua). Taking the members before their records are deleted means a rotation in flight either
-- finished first (its new session is taken here) or fails closed: "sign out everywhere" misses nothing.
local key = KEYS[1]
local members = redis.call('ZRANGE', key, 0, -1)
local taken = {}
for i = 1, #members do
  if members[i] ~= ARGV[1] then taken[#taken + 1] = members[i] end
end
for i = 1, #taken, 1000 do
  redis.call('ZREM', key, unpack(taken, i, math.min(i + 999, #taken)))
end
return taken
