-- create-signed-in-session: a signed-in session's record and its index entry, in one step and one round
-- trip, where one script may touch both keys: a single Redis server or a Sentinel group. (A cluster keeps
-- the record and the index in different slots; there RedisSessionStore runs create-session.lua, then
-- index-add.lua.) Both scripts run here unchanged, as the functions createSession and indexAdd: LuaScript
-- puts their text before this one. Called by RedisSessionStore.createSignedIn, for a login or regenerate.
-- KEYS[1]  the new session record
-- KEYS[2]  the user's index
-- KEYS[3]  the user's revocation mark
-- ARGV[1]  n: how many of create-session.lua's arguments follow
-- ARGV[2 .. 1+n]  create-session.lua's arguments
-- ARGV[2+n ..]    index-add.lua's, but the deadline and the login time, which come from the record just
--                 written: the publicId, the limit, the policy at the limit, the member this one replaces
-- Returns  0 when create-session.lua wrote nothing (the key exists, or the deadline passed)
--          | { created, indexed }: create-session.lua's reply and index-add.lua's
-- Invariant: a signed-in record its index does not list never exists, not even between two commands: when
-- index-add.lua refuses the session, the record is deleted again in the same step.
local n = tonumber(ARGV[1])
-- Copied, not unpack()ed: a record of thousands of keys would pass the Lua stack's limit.
local createArgs = {}
for i = 2, 1 + n do createArgs[i - 1] = ARGV[i] end
local created = createSession({ KEYS[1] }, createArgs)
if created == 0 then return 0 end

local o = 1 + n
local indexed = indexAdd({ KEYS[2], KEYS[3] }, { ARGV[o + 1], created[3], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4], created[4] })
if indexed[1] ~= 1 then redis.call('DEL', KEYS[1]) end
return { created, indexed }
