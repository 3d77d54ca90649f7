-- Commit one consumer batch of one match, atomically (see redis.rs).
--
-- KEYS: 1 state, 2 snapshot, 3 seq, 4 log  (all tagged {match-id})
-- ARGV: 1 prev_seq, 2 new seq, 3 state JSON, 4 snapshot JSON,
--       5 expire after (ms, "0": keep forever), 6 live channel,
--       7.. frames for seqs prev_seq+1 ..= new seq
-- Returns {"committed", new seq} or {"conflict", stored seq}.

local stored = redis.call('GET', KEYS[3]) or '0'
if stored ~= ARGV[1] then
  return {'conflict', stored}
end

redis.call('SET', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[4])
redis.call('SET', KEYS[3], ARGV[2])

local first, last = 7, #ARGV
if last >= first then
  -- unpack() is bounded by the Lua C stack: push in chunks.
  for i = first, last, 1000 do
    redis.call('RPUSH', KEYS[4], unpack(ARGV, i, math.min(i + 999, last)))
  end
  redis.call('PUBLISH', ARGV[6], table.concat(ARGV, '\n', first, last))
end

if ARGV[5] ~= '0' then
  for i = 1, 4 do
    redis.call('PEXPIRE', KEYS[i], ARGV[5])
  end
else
  -- SET already cleared any TTL on the strings; keep the log in step.
  redis.call('PERSIST', KEYS[4])
end

return {'committed', ARGV[2]}
