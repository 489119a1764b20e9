-- index-add: put a session into its user's index, enforcing the per-user limit atomically.
-- KEYS[1]  the user's index (a sorted set at <prefix>u:{<SHA-256 of the user ID>})
-- KEYS[2]  the user's revocation mark (a string at <prefix>r:{<same>}, same slot), set by index-take.lua
-- ARGV[1]  the session's publicId (member)
-- ARGV[2]  its absolute deadline, ms (score)
-- ARGV[3]  most sessions allowed, 0 for no limit
-- ARGV[4]  at the limit: 'evict-oldest' or 'reject'
-- ARGV[5]  the member this one replaces (the old ID of a same-user rotation: regenerate, or signing in
--          again), or ''. It must still be a member: if it is not, the session was signed out meanwhile
--          (logout, revoke, "sign out everywhere") and nothing is added.
-- ARGV[6]  the session's login time (authenticated-at, ms): refused when a "sign out everywhere" took the
--          index at or after it, so a login whose record was written before that moment never survives it
-- Returns  { 1, evicted member, ... } when added (the caller deletes the evicted sessions' records)
--          | { 0, member, ... } when refused under 'reject' (the current members; the caller, which pruned
--            gone members before the rotation, undoes it); never for a same-user rotation, which adds none
--          | { 2 } when the replaced member is gone (the caller deletes the new record: fail closed)
--          | { 3 } when "sign out everywhere" ran after this session's login (the caller deletes it)
-- Called by RedisSessionStore.indexAdd, the last step of a login or regenerate.
-- Invariants: members past their deadline are dropped; the key lives at least as long as its
-- longest-lived member; after a new member is added the index holds no more than the limit. Records are
-- written before they are indexed, so every member has had a record. A same-user rotation swaps the old
-- member for the new one atomically, so the index never lists both or neither; when the old one is the
-- session the revocation mark spared, the mark then spares the new one (its time and TTL unchanged).
local key = KEYS[1]
local member = ARGV[1]
local limit = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- "<time> <kept member>": the moment of the last "sign out everywhere", and the one session it spared.
local revoked = redis.call('GET', KEYS[2])
local sparedAt
if revoked then
  local at, kept = string.match(revoked, '^(%d+) ?(.*)$')
  if tonumber(ARGV[6]) <= tonumber(at) then
    if ARGV[5] == '' or ARGV[5] ~= kept then return { 3 } end
    sparedAt = at
  end
end

redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if ARGV[5] ~= '' then
  if not redis.call('ZSCORE', key, ARGV[5]) then return { 2 } end
  redis.call('ZREM', key, ARGV[5])
end

local reply = { 1 }
if limit > 0 and not redis.call('ZSCORE', key, member) then
  local excess = redis.call('ZCARD', key) - limit + 1
  if excess > 0 and ARGV[4] ~= 'reject' then
    local popped = redis.call('ZPOPMIN', key, excess)
    for i = 1, #popped, 2 do reply[#reply + 1] = popped[i] end
  elseif excess > 0 and ARGV[5] == '' then
    -- Under 'reject' only a login that adds a member is refused. A same-user rotation swaps its own and
    -- adds none: refusing it now, with its old member already swapped out, would leave it unindexed.
    local members = redis.call('ZRANGE', key, 0, -1)
    reply = { 0 }
    for i = 1, #members do reply[i + 1] = members[i] end
    return reply
  end
end

redis.call('ZADD', key, ARGV[2], member)
local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', key, last[2])
-- The session the mark spared lives on under its new ID: the mark spares that one now.
if sparedAt then redis.call('SET', KEYS[2], sparedAt .. ' ' .. member, 'KEEPTTL') end
return reply
