package redis

import goredis "github.com/redis/go-redis/v9"

// Each script runs atomically on the server, so a check and the write it
// depends on cannot interleave with another instance's. KEYS[1] is the
// synced key, KEYS[2] the lease key (see keys). Done and Release publish the
// synced key on the Store's channel, which wakes the instances waiting for
// that user (see notifier).

// Claim's replies.
const (
	replyAcquired = 0
	replySynced   = 1
	replyBusy     = 2
)

// claimScript replies {reply, ms}: ms is what is left of the synced
// record's TTL, for replySynced. ARGV[1] fingerprint, ARGV[2] our token,
// ARGV[3] lease TTL in ms.
var claimScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return {1, redis.call('PTTL', KEYS[1])}
end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
	return {0, 0}
end
return {2, 0}
`)

// doneScript records the fingerprint and drops the lease if it is ours.
// Without our lease (it expired, or Claim failed and the sync ran
// local-only) the sync may be late: another instance may have recorded a
// newer profile since, so the record is written only if it holds no other
// fingerprint. ARGV[1] fingerprint, ARGV[2] our token, ARGV[3] TTL in ms,
// ARGV[4] channel.
var doneScript = goredis.NewScript(`
local ours = redis.call('GET', KEYS[2]) == ARGV[2]
local current = redis.call('GET', KEYS[1])
if ours or not current or current == ARGV[1] then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
end
if ours then
	redis.call('DEL', KEYS[2])
end
redis.call('PUBLISH', ARGV[4], KEYS[1])
return 1
`)

// releaseScript deletes the lease only if it is ours: once ours expired,
// another instance may hold a new one. ARGV[1] our token, ARGV[2] channel.
var releaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[2]) == ARGV[1] then
	redis.call('DEL', KEYS[2])
	redis.call('PUBLISH', ARGV[2], KEYS[1])
	return 1
end
return 0
`)

// forgetScript deletes the user's record, so that every instance's next
// Claim syncs them again, and tells every instance to forget them locally.
// ARGV[1] the forget channel, ARGV[2] the identifier.
var forgetScript = goredis.NewScript(`
local n = redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return n
`)
