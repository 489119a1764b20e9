-- end-session: delete a session for logout() / destroy(), unless it has moved. Called by
-- RedisSessionStore.end.
-- KEYS[1]  the session record
-- Returns  1 deleted | 0 absent (or not a session: left alone)
--          | { 4, successor } a rotation tombstone: the session moved to a new ID while the request ran;
--            nothing deleted
-- Invariant: only the holder of a session's current ID can end it. A request still carrying the old ID
-- of a rotated session deletes neither the tombstone nor the successor.
local key = KEYS[1]
local forward = readRecord('HGET', key, '#f')
if forward == nil then return 0 end
if forward then return { 4, forward } end
return redis.call('UNLINK', key)
