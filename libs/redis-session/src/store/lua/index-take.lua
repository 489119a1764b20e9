-- index-take: remove every member of a user's index but one, in one step, and return them
-- (revokeAllForUser). Called by RedisSessionStore.indexTake.
-- KEYS[1]  the user's index
-- KEYS[2]  the user's revocation mark (same slot)
-- ARGV[1]  a member to keep (the current session for "sign out all other devices"), or ''
-- ARGV[2]  how long the mark lives, ms: longer than any login can take between writing its record and
--          indexing it
-- Returns  the members removed
-- Invariant: a rotation indexes its new session only while the session it replaces is still a member,
-- and no login whose record was written before this moment is indexed after it (index-add.lua reads the
-- mark). Taking the members before their records are deleted means a login or regenerate in flight either
-- finished first (its new session is taken here) or fails closed: "sign out everywhere" misses nothing.
local key = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- Out of memory, Redis refuses the mark but not the removals below, and "sign out everywhere" must still
-- work then. A login in flight cannot index itself while memory is short either (ZADD is refused too; the
-- login fails and its record, never indexed, is not a valid session). Only one whose index write lands
-- after memory has been freed, within the few milliseconds a login takes, could slip past: the one gap.
writeUnlessOutOfMemory('SET', KEYS[2], string.format('%.0f', now) .. ' ' .. ARGV[1], 'PX', ARGV[2])
local members = redis.call('ZRANGE', key, 0, -1)
local taken = {}
for i = 1, #members do
  if members[i] ~= ARGV[1] then taken[#taken + 1] = members[i] end
end
for i = 1, #taken, 1000 do
  redis.call('ZREM', key, unpack(taken, i, math.min(i + 999, #taken)))
end
return taken
