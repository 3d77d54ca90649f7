-- Write one match's lobby entry, never going back to an older one.
--
-- KEYS: 1 lobby hash, 2 lobby expiry zset
-- ARGV: 1 match id, 2 entry JSON, 3 entry seq,
--       4 expire after (ms, "0": keep forever), 5 lobby channel
-- Returns 1 when the entry changed (and was published), 0 otherwise.

local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local ok, decoded = pcall(cjson.decode, old)
  if ok and type(decoded) == 'table' and type(decoded.seq) == 'number'
      and decoded.seq > tonumber(ARGV[3]) then
    return 0
  end
end

if ARGV[4] ~= '0' then
  local now = redis.call('TIME')
  local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  redis.call('ZADD', KEYS[2], now_ms + tonumber(ARGV[4]), ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end

if old == ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[5], ARGV[2])
return 1
