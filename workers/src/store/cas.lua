-- The compare-and-set guard of a commit (see redis_txn.rs). It runs inside
-- one pipeline: WATCH seq, this script, MULTI ... EXEC. When the stored seq
-- is not the one the batch follows, it writes the seq key without changing
-- it (value and TTL kept), which makes the EXEC that follows write nothing.
--
-- KEYS: 1 seq (tagged {match-id})
-- ARGV: 1 the previous seq the batch expects ("0": nothing stored)
-- Returns the stored seq ("0": nothing stored).

local stored = redis.call('GET', KEYS[1])
if (stored or '0') ~= ARGV[1] then
  if stored then
    redis.call('APPEND', KEYS[1], '')
  else
    redis.call('SET', KEYS[1], '0')
    redis.call('DEL', KEYS[1])
  end
end
return stored or '0'
