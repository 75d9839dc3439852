package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

var _ middleware.StoreQueue = (*Store)(nil)

// The syncs an instance accepted and has not finished are kept in Redis, so
// that another instance syncs them if it dies (middleware.StoreQueue):
//
//	autoidentify:instances           the set of instances that may hold pending syncs
//	autoidentify:alive:{<instance>}  present while the instance lives (aliveTTL after its last Track)
//	autoidentify:pending:{<instance>} a hash: identifier -> the user's profile and when it was observed
//
// The pending hash holds profiles (email, phone number): it expires after
// the TTL, like the records, and an entry leaves it as soon as its sync ends.
const (
	instancesKind = "instances"
	aliveKind     = "alive:"
	pendingKind   = "pending:"
	aliveTTL      = 5 * time.Second
)

// adoptScript hands over up to ARGV[1] entries of a dead instance's pending
// hash (KEYS[2]) if its alive key (KEYS[1]) is gone. Replies {0} while the
// instance lives, {1} when it left nothing, else {2, entry...}.
var adoptScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
local all = redis.call('HGETALL', KEYS[2])
if #all == 0 then return {1} end
local out = {2}
local limit = tonumber(ARGV[1])
for i = 1, #all, 2 do
	if #out > limit then break end
	table.insert(out, all[i + 1])
	redis.call('HDEL', KEYS[2], all[i])
end
return out
`)

// pendingEntry is how a pending sync is stored.
type pendingEntry struct {
	Identifier  string         `json:"identifier"`
	Email       string         `json:"email,omitempty"`
	PhoneNumber string         `json:"phoneNumber,omitempty"`
	FirstName   string         `json:"firstName,omitempty"`
	LastName    string         `json:"lastName,omitempty"`
	Name        string         `json:"name,omitempty"`
	Avatar      string         `json:"avatar,omitempty"`
	Custom      map[string]any `json:"custom,omitempty"`
	Observed    int64          `json:"observed"` // microseconds since the Unix epoch
}

func encodePending(p middleware.PendingSync) (string, error) {
	pr := p.User.Profile
	b, err := json.Marshal(pendingEntry{
		Identifier: p.User.Identifier, Email: pr.Email, PhoneNumber: pr.PhoneNumber,
		FirstName: pr.FirstName, LastName: pr.LastName, Name: pr.Name, Avatar: pr.Avatar,
		Custom: pr.Custom, Observed: p.Observed.UnixMicro(),
	})
	return string(b), err
}

func decodePending(s string) (middleware.PendingSync, error) {
	var e pendingEntry
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		return middleware.PendingSync{}, err
	}
	return middleware.PendingSync{
		User: identity.Identity{Identifier: e.Identifier, Profile: identity.Profile{
			Email: e.Email, PhoneNumber: e.PhoneNumber, FirstName: e.FirstName, LastName: e.LastName,
			Name: e.Name, Avatar: e.Avatar, Custom: e.Custom,
		}},
		Observed: time.UnixMicro(e.Observed),
	}, nil
}

// instanceKeys are this instance's alive and pending keys, or another's.
func (s *Store) instanceKeys(instance string) (alive, pending string) {
	return s.prefix + aliveKind + "{" + instance + "}", s.prefix + pendingKind + "{" + instance + "}"
}

// Track records the syncs this instance accepted, forgets the finished
// ones, and says it lives: one pipeline. It implements
// middleware.StoreQueue.
func (s *Store) Track(ctx context.Context, accepted []middleware.PendingSync, finished []string) error {
	alive, pending := s.instanceKeys(s.token)
	values := make([]any, 0, 2*len(accepted))
	for _, p := range accepted {
		v, err := encodePending(p)
		if err != nil {
			return fmt.Errorf("redisstore: track: %w", err)
		}
		values = append(values, p.User.Identifier, v)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		if len(values) > 0 {
			p.HSet(ctx, pending, values...)
		}
		if len(finished) > 0 {
			p.HDel(ctx, pending, finished...)
		}
		p.PExpire(ctx, pending, time.Duration(s.ttlMS)*time.Millisecond)
		p.Set(ctx, alive, 1, aliveTTL)
		p.SAdd(ctx, s.prefix+instancesKind, s.token)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: track: %w", ErrUnavailable, err)
	}
	return nil
}

// Adopt hands this instance up to max of the pending syncs of instances
// whose alive key expired (they died) or was deleted (they left), and
// records them as this instance's; an instance that left nothing is
// dropped from the set. Each entry goes to one instance only. It
// implements middleware.StoreQueue.
func (s *Store) Adopt(ctx context.Context, max int) ([]middleware.PendingSync, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	instances, err := s.client.SMembers(ctx, s.prefix+instancesKind).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: adopt: %w", ErrUnavailable, err)
	}
	// Which instances stopped saying they live: one pipeline, so that a
	// fleet of many instances costs each one round trip a look, not one per
	// instance; only the dead are then asked for their syncs.
	var others []string
	var alive []*redis.IntCmd
	_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, other := range instances {
			if other != s.token {
				key, _ := s.instanceKeys(other)
				others = append(others, other)
				alive = append(alive, p.Exists(ctx, key))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: adopt: %w", ErrUnavailable, err)
	}
	var adopted []middleware.PendingSync
	var raw []any
	for i, other := range others {
		if alive[i].Val() > 0 || len(adopted) >= max {
			continue
		}
		aliveKey, pending := s.instanceKeys(other)
		reply, err := adoptScript.Run(ctx, s.client, []string{aliveKey, pending}, max-len(adopted)).Slice()
		if err != nil || len(reply) == 0 {
			continue
		}
		switch reply[0] {
		case int64(1):
			s.client.SRem(ctx, s.prefix+instancesKind, other)
		case int64(2):
			for _, v := range reply[1:] {
				str, _ := v.(string)
				p, err := decodePending(str)
				if err != nil {
					continue // not one of ours: nothing acts on it
				}
				adopted = append(adopted, p)
				raw = append(raw, p.User.Identifier, str)
			}
		}
	}
	if len(raw) > 0 {
		_, pending := s.instanceKeys(s.token)
		if err := s.client.HSet(ctx, pending, raw...).Err(); err != nil {
			// Ours all the same: the middleware syncs them now, and records
			// them with its next Track.
			return adopted, nil
		}
	}
	return adopted, nil
}

// Leave deletes this instance's alive key, so that another instance adopts
// at once what it still tracks. It implements middleware.StoreQueue.
func (s *Store) Leave(ctx context.Context) error {
	alive, _ := s.instanceKeys(s.token)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Del(ctx, alive).Err(); err != nil {
		return fmt.Errorf("%w: leave: %w", ErrUnavailable, err)
	}
	return nil
}
