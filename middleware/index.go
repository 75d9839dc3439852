package middleware

import "sync/atomic"

// ways is how many users a bucket of the index holds: a bucket is one
// 64-byte cache line.
const ways = 4

// index is what hits read: for each synced user of a shard, a tag (their
// hash and profile's check in one word, see tagOf) and the expiry. Hits read
// it with atomic loads only, so they never write to memory that another
// core holds; writers change it under the shard's lock, with the LRU.
//
// It is a hash table of one-line buckets. A user may sit in either of two
// buckets, the one with more room when they came, and is moved to their
// other bucket to make room for a newcomer: with 1.25 slots a user, a full
// cache leaves all but about one user in 10 000 in the index. A user who
// still finds no room takes the slot of the one of the two buckets that
// expires first, who stays in the LRU: hits on them find them there, under
// the read lock. The index is a shortcut; the LRU stays the truth.
//
// A slot's tag is cleared first and set last when it changes hands, and an
// emptied slot keeps its expiry, so a hit reading a slot as it changes
// either misses it (and asks the LRU) or reads the tag it looked for with
// the expiry of that user or of the slot's next one; the latter counts one
// more hit for a user being evicted or resynced at that moment, which is
// harmless. A hit never matches a user or profile that was not synced.
type index struct {
	buckets []bucket
	hashes  [][ways]uint64 // whose each slot is; only under the shard's lock
}

type bucket [ways]struct {
	tag     atomic.Uint64 // 0: an empty slot
	expires atomic.Int64
}

func newIndex(users int) index {
	n := max(1, (users*5/4+ways-1)/ways)
	return index{buckets: make([]bucket, n), hashes: make([][ways]uint64, n)}
}

// choices returns the two buckets hash may sit in, from independent bits
// of it (the shard was chosen by its top bits).
func (x *index) choices(hash uint64) (first, second int) {
	n := uint64(len(x.buckets))
	return int(uint64(uint32(hash)) * n >> 32), int((hash * 0x9E3779B97F4A7C15 >> 32) * n >> 32)
}

// get finds k: found if its tag is there, with the time it expires.
func (x *index) get(k key) (expires int64, found bool) {
	first, second := x.choices(k.hash)
	for _, b := range [2]*bucket{&x.buckets[first], &x.buckets[second]} {
		for i := range b {
			if b[i].tag.Load() == k.tag {
				return b[i].expires.Load(), true
			}
		}
	}
	return 0, false
}

// put records the user hash as synced with tag until expires. Under the
// shard's lock.
func (x *index) put(hash, tag uint64, expires int64) {
	b, i, ok := x.slot(hash)
	if !ok {
		b, i = x.room(hash)
	}
	s := &x.buckets[b][i]
	if s.tag.Load() != tag {
		s.tag.Store(0) // no hit matches the slot while it changes hands
		x.hashes[b][i] = hash
		s.expires.Store(expires)
		s.tag.Store(tag)
		return
	}
	s.expires.Store(expires)
}

// remove forgets the user hash, if the index has them. Under the shard's lock.
func (x *index) remove(hash uint64) {
	if b, i, ok := x.slot(hash); ok {
		x.buckets[b][i].tag.Store(0)
		x.hashes[b][i] = 0
	}
}

// slot finds the user hash's slot.
func (x *index) slot(hash uint64) (b, i int, ok bool) {
	first, second := x.choices(hash)
	for _, b := range [2]int{first, second} {
		for i, h := range x.hashes[b] {
			if h == hash && x.buckets[b][i].tag.Load() != 0 {
				return b, i, true
			}
		}
	}
	return 0, 0, false
}

// room finds a slot for a new user: an empty one in the emptier of their
// buckets; else one emptied by moving a user of those buckets to their other
// bucket; else the one of the two that expires first.
func (x *index) room(hash uint64) (b, i int) {
	first, second := x.choices(hash)
	ef, nf := x.buckets[first].empty()
	es, ns := x.buckets[second].empty()
	switch {
	case nf > 0 && nf >= ns:
		return first, ef
	case ns > 0:
		return second, es
	}
	for _, b := range [2]int{first, second} {
		if i, ok := x.move(b); ok {
			return b, i
		}
	}
	of, os := x.buckets[first].oldest(), x.buckets[second].oldest()
	if x.buckets[second][os].expires.Load() < x.buckets[first][of].expires.Load() {
		return second, os
	}
	return first, of
}

// move moves a user of the full bucket b to their other bucket, if it has
// room, and returns the slot freed. The user is written in their new slot
// before leaving the old one, so a hit meanwhile finds them in either, or
// at worst (reading the new bucket before and the old after) in the LRU.
func (x *index) move(b int) (int, bool) {
	for i, h := range x.hashes[b] {
		first, second := x.choices(h)
		other := first
		if other == b {
			other = second
		}
		j, n := x.buckets[other].empty()
		if n == 0 {
			continue
		}
		from, to := &x.buckets[b][i], &x.buckets[other][j]
		x.hashes[other][j] = h
		to.expires.Store(from.expires.Load())
		to.tag.Store(from.tag.Load())
		from.tag.Store(0)
		x.hashes[b][i] = 0
		return i, true
	}
	return 0, false
}

// empty returns an empty slot of b and how many there are.
func (b *bucket) empty() (slot, n int) {
	slot = -1
	for i := range b {
		if b[i].tag.Load() == 0 {
			slot, n = i, n+1
		}
	}
	return slot, n
}

// oldest returns the slot of b that expires first.
func (b *bucket) oldest() int {
	o := 0
	for i := 1; i < ways; i++ {
		if b[i].expires.Load() < b[o].expires.Load() {
			o = i
		}
	}
	return o
}
