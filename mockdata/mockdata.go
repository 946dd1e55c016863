// Package mockdata makes production-shaped users and identity hook requests: the user
// as GoTrue serialises it at the moment of each event, inside the exact three-key body
// GoTrue sends. With a seed the output is the same every time.
package mockdata

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/tokens"
)

// Options shape a mock user.
type Options struct {
	Email      string // default jane@example.com
	Name       string // user_metadata.full_name; default "Jane Doe"
	Provider   string // app_metadata.provider; default "email"
	InstanceID string // default a UUID from the seed
	// Seed makes ids and times repeatable; 0 means random ids and the current time.
	Seed int64
	Now  time.Time // the moment of the event; default now, or a fixed day with a seed
}

// Events are the identity events there are payloads for.
var Events = func() []identity.Event {
	var out []identity.Event
	for _, r := range identity.Events {
		out = append(out, r.Event)
	}
	return out
}()

// ParseEvent accepts "identity-signup", "signup" or "identity_signup".
func ParseEvent(name string) (identity.Event, error) {
	for _, r := range identity.Events {
		if name == r.Method {
			return r.Event, nil
		}
	}
	n := strings.TrimPrefix(strings.TrimPrefix(name, "identity-"), "identity_")
	n = strings.TrimSuffix(n, "-background")
	for _, e := range Events {
		if string(e) == n {
			return e, nil
		}
	}
	return "", fmt.Errorf("%q is not an identity event: use identity-validate, identity-signup, identity-login, identity-usermodified or identity-userdeleted (or a typed handler's name: userValidate, userSignup, userLogin, userModified, userDeleted)", name)
}

type gen struct {
	r   *rand.Rand
	now time.Time
}

func newGen(o Options) *gen {
	if o.Seed == 0 {
		return &gen{r: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x9e3779b97f4a7c15)), now: nowOr(o.Now, time.Now())}
	}
	return &gen{r: rand.New(rand.NewPCG(uint64(o.Seed), 0x9e3779b97f4a7c15)), now: nowOr(o.Now, time.Date(2026, 11, 28, 6, 30, 46, 0, time.UTC))}
}

func nowOr(t, def time.Time) time.Time {
	if t.IsZero() {
		return def.UTC()
	}
	return t.UTC()
}

func (g *gen) uuid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.r.UintN(256))
	}
	return tokens.UUIDFrom(b)
}

// micro is a time as GoTrue has it just after an insert: microseconds.
func (g *gen) micro(t time.Time) time.Time {
	return t.Truncate(time.Second).Add(time.Duration(g.r.IntN(1_000_000)) * time.Microsecond)
}

// User is the user GoTrue puts in the request of event:
//   - validate: the 8 keys of a user just inserted (no confirmation_sent_at yet);
//   - signup: read back from the database, not confirmed yet, with confirmation_sent_at
//     for an email signup (none for an external provider);
//   - login, usermodified, userdeleted: a confirmed user, read back from the database.
func User(event identity.Event, o Options) *identity.User {
	g := newGen(o)
	return user(g, event, o)
}

func user(g *gen, event identity.Event, o Options) *identity.User {
	email, name, provider := o.Email, o.Name, o.Provider
	if email == "" {
		email = "jane@example.com"
	}
	if name == "" {
		name = "Jane Doe"
	}
	if provider == "" {
		provider = "email"
	}
	meta := map[string]any{"full_name": name}
	if provider != "email" {
		meta["avatar_url"] = "https://avatars.example.com/" + strings.SplitN(email, "@", 2)[0] + ".png"
	}
	u := &identity.User{
		ID: g.uuid(), Aud: "", Role: "", Email: email,
		AppMetaData:  map[string]any{"provider": provider},
		UserMetaData: meta,
	}
	// The same seed gives the same user at every event: created a little before now,
	// with microseconds while it is being inserted (validate), whole seconds after.
	created := g.micro(g.now.Add(-time.Duration(1+g.r.IntN(120)) * time.Second))
	updatedLater := time.Duration(200+g.r.IntN(800)) * time.Microsecond
	confirmedLater := time.Duration(5+g.r.IntN(50)) * time.Second
	if event == identity.EventValidate {
		u.CreatedAt = created
		u.UpdatedAt = created.Add(updatedLater)
		return u
	}
	seconds := created.Truncate(time.Second)
	u.CreatedAt, u.UpdatedAt = seconds, seconds
	if provider == "email" {
		u.ConfirmationSentAt = &seconds
	}
	if event != identity.EventSignup {
		confirmed := seconds.Add(confirmedLater)
		u.ConfirmedAt = &confirmed
	}
	return u
}

// Body is the exact request body GoTrue sends for event: {"event","instance_id","user"}.
func Body(event identity.Event, o Options) ([]byte, *identity.User, error) {
	g := newGen(o)
	u := user(g, event, o)
	instance := o.InstanceID
	if instance == "" {
		instance = InstanceID(o.Seed)
	}
	b, err := json.Marshal(identity.HookBody{Event: event, InstanceID: instance, User: u})
	if err != nil {
		return nil, nil, fmt.Errorf("encode %s payload: %w", event, err)
	}
	return b, u, nil
}

// InstanceID is the instance id that goes with a seed (random without one).
func InstanceID(seed int64) string {
	var id string
	if seed == 0 {
		id = newGen(Options{}).uuid()
	} else {
		derived := seed ^ 0x5eed
		if derived == 0 {
			derived = 0x5eed5eed // seed 0x5eed would give 0, which means "no seed"
		}
		id = newGen(Options{Seed: derived}).uuid()
	}
	return mockInstancePrefix + id[len(mockInstancePrefix):]
}

// mockInstancePrefix begins every instance id dev makes up ("mock" in hex), so that a
// payload dev printed is told from one captured in production.
const mockInstancePrefix = "6d6f636b"

// IsMockInstance reports whether an instance id is one dev made up (dev payload's), not
// a real instance's: dev invoke replaces it without a warning.
func IsMockInstance(id string) bool {
	return len(id) == 36 && strings.HasPrefix(id, mockInstancePrefix)
}
