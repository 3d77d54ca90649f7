-- Drop the lobby entries whose expiry has passed, then list the rest.
--
-- KEYS: 1 lobby hash, 2 lobby expiry zset
-- Returns the JSON of every remaining entry (unordered).

local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now_ms)
for i = 1, #gone, 1000 do
  local last = math.min(i + 999, #gone)
  redis.call('HDEL', KEYS[1], unpack(gone, i, last))
  redis.call('ZREM', KEYS[2], unpack(gone, i, last))
end
return redis.call('HVALS', KEYS[1])
