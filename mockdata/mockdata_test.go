package mockdata_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/mockdata"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// seeds are a spread of seeds, negative and large ones included.
var seeds = []int64{1, 2, 3, 7, 42, 1000, -1, -42, 1 << 40, 1<<63 - 1, -1 << 63}

// seededNow is the moment of a seeded event when Options.Now is unset.
var seededNow = time.Date(2026, 11, 28, 6, 30, 46, 0, time.UTC)

// jsonKeys returns the keys of a JSON object in the order they are written.
func jsonKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s is not a JSON object", b)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEvents(t *testing.T) {
	want := []identity.Event{identity.EventValidate, identity.EventSignup, identity.EventLogin, identity.EventUserModified, identity.EventUserDeleted}
	if !slices.Equal(mockdata.Events, want) {
		t.Errorf("Events = %q, want %q", mockdata.Events, want)
	}
}

func TestParseEvent(t *testing.T) {
	tests := []struct {
		name string
		want identity.Event
	}{
		{"identity-signup", identity.EventSignup},
		{"signup", identity.EventSignup},
		{"identity_signup", identity.EventSignup},
		{"identity-validate", identity.EventValidate},
		{"identity-login", identity.EventLogin},
		{"identity-usermodified", identity.EventUserModified},
		{"identity_userdeleted", identity.EventUserDeleted},
		{"userdeleted", identity.EventUserDeleted},
		{"identity-signup-background", identity.EventSignup},
		{"login-background", identity.EventLogin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mockdata.ParseEvent(tt.name)
			if err != nil || got != tt.want {
				t.Errorf("ParseEvent(%q) = %q, %v, want %q", tt.name, got, err, tt.want)
			}
		})
	}
}

func TestParseEventRefuses(t *testing.T) {
	for _, name := range []string{"", "identity-", "identity-logout", "Signup", "IDENTITY-SIGNUP", "deploy-succeeded", "identity signup", "signups", "identity.signup", "user-modified"} {
		t.Run(name, func(t *testing.T) {
			got, err := mockdata.ParseEvent(name)
			if err == nil {
				t.Fatalf("ParseEvent(%q) = %q, want an error", name, got)
			}
			if got != "" {
				t.Errorf("ParseEvent(%q) = %q with its error, want \"\"", name, got)
			}
			msg := err.Error()
			if !strings.Contains(msg, `"`+name+`"`) {
				t.Errorf("error %q does not quote the name %q", msg, name)
			}
			for _, e := range mockdata.Events {
				if !strings.Contains(msg, "identity-"+string(e)) {
					t.Errorf("error %q does not offer identity-%s", msg, e)
				}
			}
		})
	}
}

func TestUserSameSeedSameUser(t *testing.T) {
	for _, seed := range seeds {
		for _, event := range mockdata.Events {
			o := mockdata.Options{Seed: seed}
			a, b := mockdata.User(event, o), mockdata.User(event, o)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("seed %d, %s: two users\n%+v\n%+v", seed, event, a, b)
			}
			ab, bb := marshal(t, a), marshal(t, b)
			if !bytes.Equal(ab, bb) {
				t.Errorf("seed %d, %s: two JSON users\n%s\n%s", seed, event, ab, bb)
			}
		}
	}
}

func TestUserSeedsDiffer(t *testing.T) {
	ids := map[string]int64{}
	created := map[time.Time]bool{}
	var ored [16]byte
	for seed := int64(1); seed <= 1000; seed++ {
		u := mockdata.User(identity.EventValidate, mockdata.Options{Seed: seed})
		if other, ok := ids[u.ID]; ok {
			t.Fatalf("seeds %d and %d give the same id %s", other, seed, u.ID)
		}
		ids[u.ID] = seed
		created[u.CreatedAt] = true
		id, err := uuid.Parse(u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, b := range id {
			ored[i] |= b
		}
		for _, event := range mockdata.Events {
			checkUser(t, event, mockdata.Options{Seed: seed}, seededNow, seededNow, mockdata.User(event, mockdata.Options{Seed: seed}))
		}
	}
	// Times are drawn too: 1000 seeds do not share a few created_at values.
	if len(created) < 900 {
		t.Errorf("1000 seeds gave only %d created_at values", len(created))
	}
	// Ids are drawn from every bit but the version and variant ones.
	want := [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x4f, 0xff, 0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if ored != want {
		t.Errorf("the bits set over 1000 ids are % x, want % x", ored, want)
	}
}

func TestUserSameAcrossEvents(t *testing.T) {
	// One seed is one user, seen at each event of its life.
	for _, seed := range seeds {
		o := mockdata.Options{Seed: seed}
		validate := mockdata.User(identity.EventValidate, o)
		login := mockdata.User(identity.EventLogin, o)
		for _, event := range mockdata.Events {
			u := mockdata.User(event, o)
			if u.ID != validate.ID {
				t.Errorf("seed %d: %s id %s, validate id %s", seed, event, u.ID, validate.ID)
			}
			if !u.CreatedAt.Truncate(time.Second).Equal(validate.CreatedAt.Truncate(time.Second)) {
				t.Errorf("seed %d: %s created_at %v, want validate's %v in whole seconds", seed, event, u.CreatedAt, validate.CreatedAt)
			}
			if u.ConfirmedAt != nil && !u.ConfirmedAt.Equal(*login.ConfirmedAt) {
				t.Errorf("seed %d: %s confirmed_at %v, login's %v", seed, event, u.ConfirmedAt, login.ConfirmedAt)
			}
		}
	}
}

func TestUserKeysPerEvent(t *testing.T) {
	tests := []struct {
		event    identity.Event
		provider string
		want     string
	}{
		// validate: the 8 keys of a user just inserted.
		{identity.EventValidate, "email", "id aud role email app_metadata user_metadata created_at updated_at"},
		{identity.EventValidate, "github", "id aud role email app_metadata user_metadata created_at updated_at"},
		{identity.EventSignup, "email", "id aud role email confirmation_sent_at app_metadata user_metadata created_at updated_at"},
		{identity.EventSignup, "google", "id aud role email app_metadata user_metadata created_at updated_at"},
		{identity.EventLogin, "email", "id aud role email confirmed_at confirmation_sent_at app_metadata user_metadata created_at updated_at"},
		{identity.EventLogin, "github", "id aud role email confirmed_at app_metadata user_metadata created_at updated_at"},
		{identity.EventUserModified, "email", "id aud role email confirmed_at confirmation_sent_at app_metadata user_metadata created_at updated_at"},
		{identity.EventUserDeleted, "email", "id aud role email confirmed_at confirmation_sent_at app_metadata user_metadata created_at updated_at"},
		{identity.EventUserDeleted, "gitlab", "id aud role email confirmed_at app_metadata user_metadata created_at updated_at"},
	}
	for _, tt := range tests {
		t.Run(string(tt.event)+"/"+tt.provider, func(t *testing.T) {
			for _, seed := range []int64{0, 1, 99} {
				u := mockdata.User(tt.event, mockdata.Options{Seed: seed, Provider: tt.provider})
				b := marshal(t, u)
				if got := strings.Join(jsonKeys(t, b), " "); got != tt.want {
					t.Errorf("seed %d: keys %s, want %s\n%s", seed, got, tt.want, b)
				}
			}
		})
	}
}

// checkUser checks what every mock user promises, for event at a moment between from
// and to (the same moment with a seed or Options.Now).
func checkUser(t *testing.T, event identity.Event, o mockdata.Options, from, to time.Time, u *identity.User) {
	t.Helper()
	wantEmail, wantName, wantProvider := o.Email, o.Name, o.Provider
	if wantEmail == "" {
		wantEmail = "jane@example.com"
	}
	if wantName == "" {
		wantName = "Jane Doe"
	}
	if wantProvider == "" {
		wantProvider = "email"
	}
	if !uuidV4.MatchString(u.ID) {
		t.Errorf("id %q is not a version 4 UUID", u.ID)
	}
	if u.Aud != "" || u.Role != "" {
		t.Errorf("aud %q and role %q, want both empty as on Netlify", u.Aud, u.Role)
	}
	if u.Email != wantEmail {
		t.Errorf("email %q, want %q", u.Email, wantEmail)
	}
	if want := map[string]any{"provider": wantProvider}; !reflect.DeepEqual(u.AppMetaData, want) {
		t.Errorf("app_metadata %v, want %v", u.AppMetaData, want)
	}
	wantMeta := map[string]any{"full_name": wantName}
	if wantProvider != "email" {
		local, _, _ := strings.Cut(wantEmail, "@")
		wantMeta["avatar_url"] = "https://avatars.example.com/" + local + ".png"
	}
	if !reflect.DeepEqual(u.UserMetaData, wantMeta) {
		t.Errorf("user_metadata %v, want %v", u.UserMetaData, wantMeta)
	}
	if u.InvitedAt != nil || u.RecoverySentAt != nil || u.EmailChangeSentAt != nil || u.LastSignInAt != nil || u.EmailChange != "" {
		t.Errorf("user has fields no mock event sets: %+v", u)
	}
	if u.EncryptedPassword != "" || u.ConfirmationToken != "" || u.RecoveryToken != "" || u.EmailChangeToken != "" {
		t.Errorf("user has secrets: %+v", u)
	}
	for name, ts := range map[string]*time.Time{"created_at": &u.CreatedAt, "updated_at": &u.UpdatedAt, "confirmed_at": u.ConfirmedAt, "confirmation_sent_at": u.ConfirmationSentAt} {
		if ts != nil && ts.Location() != time.UTC {
			t.Errorf("%s %v is not in UTC", name, ts)
		}
	}
	// Created a little before the event: 1 to 120 seconds, give or take its microseconds.
	if earliest := from.Truncate(time.Second).Add(-120 * time.Second); u.CreatedAt.Before(earliest) || !u.CreatedAt.Before(to) {
		t.Errorf("created_at %v, want in [%v, %v)", u.CreatedAt, earliest, to)
	}

	if event == identity.EventValidate {
		// Being inserted: microseconds, updated_at a moment after created_at.
		if u.CreatedAt.Nanosecond()%1000 != 0 || u.UpdatedAt.Nanosecond()%1000 != 0 {
			t.Errorf("validate times %v, %v have more than microseconds", u.CreatedAt, u.UpdatedAt)
		}
		if d := u.UpdatedAt.Sub(u.CreatedAt); d < 200*time.Microsecond || d >= time.Millisecond {
			t.Errorf("validate updated_at is %v after created_at, want 200µs to 1ms", d)
		}
		if u.ConfirmedAt != nil || u.ConfirmationSentAt != nil {
			t.Errorf("validate user has confirmed_at %v or confirmation_sent_at %v", u.ConfirmedAt, u.ConfirmationSentAt)
		}
		return
	}
	// Read back from the database: whole seconds, not updated since.
	if !u.CreatedAt.Equal(u.CreatedAt.Truncate(time.Second)) {
		t.Errorf("%s created_at %v is not whole seconds", event, u.CreatedAt)
	}
	if !u.UpdatedAt.Equal(u.CreatedAt) {
		t.Errorf("%s updated_at %v, want created_at %v", event, u.UpdatedAt, u.CreatedAt)
	}
	switch {
	case wantProvider == "email" && (u.ConfirmationSentAt == nil || !u.ConfirmationSentAt.Equal(u.CreatedAt)):
		t.Errorf("%s email user: confirmation_sent_at %v, want created_at %v", event, u.ConfirmationSentAt, u.CreatedAt)
	case wantProvider != "email" && u.ConfirmationSentAt != nil:
		t.Errorf("%s %s user: confirmation_sent_at %v, want none", event, wantProvider, u.ConfirmationSentAt)
	}
	if event == identity.EventSignup {
		if u.ConfirmedAt != nil {
			t.Errorf("signup user is confirmed at %v", u.ConfirmedAt)
		}
		return
	}
	if u.ConfirmedAt == nil {
		t.Fatalf("%s user is not confirmed", event)
	}
	if d := u.ConfirmedAt.Sub(u.CreatedAt); d < 5*time.Second || d > 54*time.Second || d%time.Second != 0 {
		t.Errorf("%s confirmed_at is %v after created_at, want 5s to 54s in whole seconds", event, d)
	}
}

func TestUserShape(t *testing.T) {
	options := []mockdata.Options{
		{},
		{Email: "sam@corp.test", Name: "Sam O'Neil", Provider: "email"},
		{Email: "octo.cat+dev@github.test", Name: "Octo Cat", Provider: "github"},
		{Provider: "google"},
		{Email: "no-at-sign", Provider: "bitbucket"},
	}
	for _, base := range options {
		for _, seed := range seeds {
			for _, event := range mockdata.Events {
				o := base
				o.Seed = seed
				name := fmt.Sprintf("%s/%s/%d/%s", o.Provider, o.Email, seed, event)
				t.Run(name, func(t *testing.T) { checkUser(t, event, o, seededNow, seededNow, mockdata.User(event, o)) })
			}
		}
	}
}

func TestUserNow(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	for _, seed := range []int64{0, 5, -5} {
		for _, event := range mockdata.Events {
			o := mockdata.Options{Seed: seed, Now: at}
			checkUser(t, event, o, at, at, mockdata.User(event, o))
		}
	}
}

func TestUserNowShiftsTimesOnly(t *testing.T) {
	// The same seed at another moment is the same user, its times moved by the same amount.
	const shift = 36*time.Hour + 17*time.Second
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, event := range mockdata.Events {
		a := mockdata.User(event, mockdata.Options{Seed: 11, Now: at})
		b := mockdata.User(event, mockdata.Options{Seed: 11, Now: at.Add(shift)})
		if a.ID != b.ID {
			t.Errorf("%s: id %s at one moment, %s at another", event, a.ID, b.ID)
		}
		if d := b.CreatedAt.Sub(a.CreatedAt); d != shift {
			t.Errorf("%s: created_at moved by %v, want %v", event, d, shift)
		}
		if d := b.UpdatedAt.Sub(a.UpdatedAt); d != shift {
			t.Errorf("%s: updated_at moved by %v, want %v", event, d, shift)
		}
	}
}

func TestUserSeededDefaultNow(t *testing.T) {
	// With a seed and no Now, the moment is a fixed day, so output never depends on the clock.
	for _, event := range mockdata.Events {
		got := mockdata.User(event, mockdata.Options{Seed: 3})
		want := mockdata.User(event, mockdata.Options{Seed: 3, Now: seededNow})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: seed without Now\n%+v\nwant seed at %v\n%+v", event, got, seededNow, want)
		}
	}
}

func TestUserWithoutSeed(t *testing.T) {
	before := time.Now()
	a := mockdata.User(identity.EventLogin, mockdata.Options{})
	b := mockdata.User(identity.EventLogin, mockdata.Options{})
	after := time.Now()
	if a.ID == b.ID {
		t.Errorf("two users without a seed share the id %s", a.ID)
	}
	// Times are relative to the current time.
	checkUser(t, identity.EventLogin, mockdata.Options{}, before, after, a)
	checkUser(t, identity.EventLogin, mockdata.Options{}, before, after, b)
}

func TestBody(t *testing.T) {
	for _, seed := range seeds {
		for _, event := range mockdata.Events {
			o := mockdata.Options{Seed: seed, Email: "kim@example.org"}
			b, u, err := mockdata.Body(event, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonKeys(t, b); !slices.Equal(got, []string{"event", "instance_id", "user"}) {
				t.Errorf("body keys %q, want event, instance_id, user", got)
			}
			var body struct {
				Event      string          `json:"event"`
				InstanceID string          `json:"instance_id"`
				User       json.RawMessage `json:"user"`
			}
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatal(err)
			}
			if body.Event != string(event) {
				t.Errorf("event %q, want %q", body.Event, event)
			}
			if want := mockdata.InstanceID(seed); body.InstanceID != want {
				t.Errorf("seed %d: instance_id %q, want InstanceID(%d) = %q", seed, body.InstanceID, seed, want)
			}
			if want := marshal(t, u); !bytes.Equal(body.User, want) {
				t.Errorf("body user\n%s\nis not the user returned\n%s", body.User, want)
			}
			if want := mockdata.User(event, o); !reflect.DeepEqual(u, want) {
				t.Errorf("Body's user\n%+v\nis not User's\n%+v", u, want)
			}
			again, _, err := mockdata.Body(event, o)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, again) {
				t.Errorf("seed %d, %s: two bodies\n%s\n%s", seed, event, b, again)
			}
		}
	}
}

func TestBodyMatchesSpecExample(t *testing.T) {
	// The shape of gotrue.md's example identity-signup body, ids and times aside.
	b, _, err := mockdata.Body(identity.EventSignup, mockdata.Options{Seed: 1, InstanceID: "9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"})
	if err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`"id":"[0-9a-f-]{36}"`)
	stamp := regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"`)
	got := stamp.ReplaceAllString(id.ReplaceAllString(string(b), `"id":"ID"`), `"T"`)
	want := `{"event":"signup","instance_id":"9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",` +
		`"user":{"id":"ID","aud":"","role":"","email":"jane@example.com",` +
		`"confirmation_sent_at":"T","app_metadata":{"provider":"email"},` +
		`"user_metadata":{"full_name":"Jane Doe"},"created_at":"T","updated_at":"T"}}`
	if got != want {
		t.Errorf("body\n%s\nwant (ids and times masked)\n%s", got, want)
	}
}

func TestBodyInstanceID(t *testing.T) {
	b, _, err := mockdata.Body(identity.EventLogin, mockdata.Options{Seed: 9, InstanceID: "00000000-0000-0000-0000-000000000000"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"instance_id":"00000000-0000-0000-0000-000000000000"`)) {
		t.Errorf("body %s does not carry the given instance id", b)
	}
	// Without a seed or an instance id, the instance id is still a UUID.
	b, _, err = mockdata.Body(identity.EventLogin, mockdata.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		InstanceID string `json:"instance_id"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatal(err)
	}
	if !uuidV4.MatchString(body.InstanceID) {
		t.Errorf("instance_id %q is not a version 4 UUID", body.InstanceID)
	}
}

func TestInstanceID(t *testing.T) {
	seen := map[string]int64{}
	for _, seed := range seeds {
		id := mockdata.InstanceID(seed)
		if !uuidV4.MatchString(id) {
			t.Errorf("InstanceID(%d) = %q, not a version 4 UUID", seed, id)
		}
		if again := mockdata.InstanceID(seed); again != id {
			t.Errorf("InstanceID(%d) = %q, then %q", seed, id, again)
		}
		if other, ok := seen[id]; ok {
			t.Errorf("InstanceID(%d) = InstanceID(%d) = %q", seed, other, id)
		}
		seen[id] = seed
		if u := mockdata.User(identity.EventLogin, mockdata.Options{Seed: seed}); u.ID == id {
			t.Errorf("seed %d: the instance id is the user's id %q", seed, id)
		}
	}
}

func TestInstanceIDWithoutSeed(t *testing.T) {
	a, b := mockdata.InstanceID(0), mockdata.InstanceID(0)
	if !uuidV4.MatchString(a) || !uuidV4.MatchString(b) {
		t.Errorf("InstanceID(0) = %q, %q, not version 4 UUIDs", a, b)
	}
	if a == b {
		t.Errorf("InstanceID(0) gave %q twice; without a seed it is random", a)
	}
}

// Seed 24301 (0x5eed) is a seed like any other: its instance id is repeatable.
func TestInstanceIDOfSeed0x5eed(t *testing.T) {
	if a, b := mockdata.InstanceID(0x5eed), mockdata.InstanceID(0x5eed); a != b {
		t.Fatalf("InstanceID(0x5eed) differs between calls: %s %s", a, b)
	}
}
