package redisstore

import "github.com/redis/go-redis/v9"

// Each script runs atomically on the server, so a check and the write it
// depends on cannot interleave with another instance's. KEYS[1] is the
// record key, KEYS[2] the lease key (see keys); both are in the user's hash
// slot. Done, Release and Tombstone publish the record key on the Store's
// channel, which wakes the instances waiting for that user (see notifier).
//
// The record says what the fleet last did to the user, with a stamp in
// microseconds since the Unix epoch:
//
//	FP:OBSERVED     synced with the profile whose fingerprint is FP (hex), observed then
//	deleting:AT     a deletion began at AT and waits for the leases (Fence)
//	deleted:UNTIL   deleted; profiles observed before UNTIL are not synced (Tombstone)
//
// A record written by an older version holds FP alone: its stamp reads 0.
// Stamps fit a Lua number (a double) exactly until the year 2255.

// parseRecord is the Lua every script that reads a record starts with.
const parseRecord = `
local function parse(v)
	if not v then return nil, 0 end
	local kind, stamp = string.match(v, '^([^:]*):(%d+)$')
	if not kind then return v, 0 end
	return kind, tonumber(stamp)
end
local function deletion(kind) return kind == 'deleting' or kind == 'deleted' end
`

// Lease's replies.
const (
	replyAcquired   = 0
	replySynced     = 1
	replyBusy       = 2
	replySuperseded = 3
)

// leaseScript replies {reply, ms}: for replySynced, what is left of the
// record's TTL; for replySuperseded, how long the user stays erased (0 if
// not). ARGV[1] fingerprint, ARGV[2] observed, ARGV[3] our token, ARGV[4]
// lease TTL in ms, ARGV[5] now.
var leaseScript = redis.NewScript(parseRecord + `
local kind, stamp = parse(redis.call('GET', KEYS[1]))
local observed = tonumber(ARGV[2])
if kind == 'deleting' then
	if observed <= stamp then return {3, 0} end
	return {2, 0}
elseif kind == 'deleted' then
	if observed < stamp then return {3, math.max(0, math.floor((stamp - tonumber(ARGV[5])) / 1000))} end
elseif kind == ARGV[1] then
	return {1, redis.call('PTTL', KEYS[1])}
elseif kind and stamp > observed then
	return {3, 0}
end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then
	return {0, 0}
end
return {2, 0}
`)

// doneScript records the profile unless the record holds one observed
// later, or a deletion that began later, and drops the lease if it is ours.
// It replies 1 when it recorded, 0 when a deletion superseded it, and 2 when
// the record no longer says what Engagespot holds: a newer profile is
// recorded, so this upsert may have landed after its own (it ran without
// the lease), or the lease this sync held was lost meanwhile (a Redis
// restart, or a call that outlived its renewals), so another instance may
// have sent another profile at the same time. Then the record is deleted,
// for the next request to sync the newest profile again. ARGV[1]
// fingerprint, ARGV[2] observed, ARGV[3] our token, ARGV[4] TTL in ms,
// ARGV[5] channel, ARGV[6] 1 if this sync took the lease.
var doneScript = redis.NewScript(parseRecord + `
local kind, stamp = parse(redis.call('GET', KEYS[1]))
local observed = tonumber(ARGV[2])
local ours = redis.call('GET', KEYS[2]) == ARGV[3]
local reply = 1
if deletion(kind) then
	if observed <= stamp then reply = 0 end
elseif kind == ARGV[1] then
	observed = math.max(observed, stamp)
elseif (kind and stamp > observed) or (ARGV[6] == '1' and not ours) then
	reply = 2
end
if reply == 1 then
	redis.call('SET', KEYS[1], ARGV[1] .. ':' .. string.format('%d', observed), 'PX', ARGV[4])
elseif reply == 2 then
	redis.call('DEL', KEYS[1])
end
if ours then
	redis.call('DEL', KEYS[2])
end
redis.call('PUBLISH', ARGV[5], KEYS[1])
return reply
`)

// releaseScript deletes the lease only if it is ours: once ours expired,
// another instance may hold a new one. ARGV[1] our token, ARGV[2] channel.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[2]) == ARGV[1] then
	redis.call('DEL', KEYS[2])
	redis.call('PUBLISH', ARGV[2], KEYS[1])
	return 1
end
return 0
`)

// renewSource extends the lease KEYS[1] if it is still ours. ARGV[1] our
// token, ARGV[2] lease TTL in ms. It is sent whole (EVAL), in a pipeline
// of many (see renewLeases), where a missing script could not be loaded.
const renewSource = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`

// fenceScript begins a deletion at ARGV[1] (or at a later one under way),
// for ARGV[2] ms at most, and replies whether a lease is held.
var fenceScript = redis.NewScript(parseRecord + `
local kind, stamp = parse(redis.call('GET', KEYS[1]))
local at = tonumber(ARGV[1])
if deletion(kind) then at = math.max(at, stamp) end
redis.call('SET', KEYS[1], 'deleting:' .. string.format('%d', at), 'PX', ARGV[2])
return redis.call('EXISTS', KEYS[2])
`)

// tombstoneScript ends a deletion: the user is deleted until ARGV[1] (or a
// later time a deletion under way set), for ARGV[2] ms, and the instances
// waiting for the deletion are woken. ARGV[3] channel.
var tombstoneScript = redis.NewScript(parseRecord + `
local kind, stamp = parse(redis.call('GET', KEYS[1]))
local until_ = tonumber(ARGV[1])
if deletion(kind) then until_ = math.max(until_, stamp) end
redis.call('SET', KEYS[1], 'deleted:' .. string.format('%d', until_), 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[3], KEYS[1])
return 1
`)
