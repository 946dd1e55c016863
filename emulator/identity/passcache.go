package identity

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
)

// verifiedPasswords remembers which (bcrypt hash, password) pairs matched, so that a
// user who logs in again with the same password is not hashed again: bcrypt is most of
// a login's cost, and a development server's users log in over and over with one
// password. Only an HMAC of the pair under a key made at start is kept, never the
// password, and at most maxVerified of them. A changed password has a new hash, so
// its old entries never match again. The answer is the same as with bcrypt; only the
// time differs (docs/fidelity.md).
type verifiedPasswords struct {
	once sync.Once
	key  []byte
	mu   sync.Mutex
	set  map[[sha256.Size]byte]struct{}
}

const maxVerified = 4096

func (v *verifiedPasswords) sum(hash, password string) [sha256.Size]byte {
	v.once.Do(func() {
		v.key = make([]byte, 32)
		rand.Read(v.key)
		v.set = map[[sha256.Size]byte]struct{}{}
	})
	m := hmac.New(sha256.New, v.key)
	m.Write([]byte(hash))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var out [sha256.Size]byte
	m.Sum(out[:0])
	return out
}

func (v *verifiedPasswords) has(hash, password string) bool {
	k := v.sum(hash, password)
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.set[k]
	return ok
}

func (v *verifiedPasswords) add(hash, password string) {
	k := v.sum(hash, password)
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.set) >= maxVerified {
		for old := range v.set { // map order is random: a random entry goes
			delete(v.set, old)
			break
		}
	}
	v.set[k] = struct{}{}
}
