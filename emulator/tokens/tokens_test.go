package tokens_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/google/uuid"

	"github.com/identity-dev/dev/emulator/tokens"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// segments splits a JWT and decodes its header and payload.
func segments(t *testing.T, token string) (header, payload string, signed, sig string) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d segments, want 3", token, len(parts))
	}
	h, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatalf("header of %q: %v", token, err)
	}
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("payload of %q: %v", token, err)
	}
	return string(h), string(p), parts[0] + "." + parts[1], parts[2]
}

// hs256 is the signature HS256 gives signed under secret, computed without golang-jwt.
func hs256(secret, signed string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signed))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// forge signs claims with method under secret, for tokens dev itself never mints.
func forge(t *testing.T, method jwt.SigningMethod, claims jwt.Claims, secret any) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewUUID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := tokens.NewUUID()
		if !uuidV4.MatchString(id) {
			t.Fatalf("NewUUID() = %q, not a lowercase version 4 UUID", id)
		}
		u, err := uuid.Parse(id)
		if err != nil {
			t.Fatalf("uuid.Parse(%q): %v", id, err)
		}
		if u.Version() != 4 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("NewUUID() = %q: version %d, variant %v, want 4 and RFC 4122", id, u.Version(), u.Variant())
		}
		if seen[id] {
			t.Fatalf("NewUUID() repeated %q", id)
		}
		seen[id] = true
	}
}

// Ordered ids are version 7 UUIDs whose time is the time they were made, so that ids
// made in different milliseconds sort in the order they were made.
func TestNewOrderedUUID(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := range 200 {
		before := time.Now().UnixMilli()
		id := tokens.NewOrderedUUID()
		after := time.Now().UnixMilli()
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 || u.Variant() != uuid.RFC4122 || strings.ToLower(id) != id {
			t.Fatalf("NewOrderedUUID() = %q (%v): want a lowercase version 7, RFC 4122 UUID", id, err)
		}
		sec, nsec := u.Time().UnixTime()
		if ms := sec*1000 + nsec/1e6; ms < before || ms > after {
			t.Fatalf("NewOrderedUUID() = %q carries %d ms, made between %d and %d", id, ms, before, after)
		}
		if seen[id] {
			t.Fatalf("NewOrderedUUID() repeated %q", id)
		}
		seen[id] = true
		if i%20 == 0 {
			time.Sleep(2 * time.Millisecond)
			if prev != "" && prev >= id {
				t.Fatalf("%q made 2 ms after %q sorts before it", id, prev)
			}
			prev = id
		}
	}
}

func TestUUIDFrom(t *testing.T) {
	tests := []struct {
		name string
		in   [16]byte
		want string
	}{
		{"zeros", [16]byte{}, "00000000-0000-4000-8000-000000000000"},
		{"ones", [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "ffffffff-ffff-4fff-bfff-ffffffffffff"},
		{"counting", [16]byte{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f}, "00010203-0405-4607-8809-0a0b0c0d0e0f"},
		{"already v4", [16]byte{0x77, 0x5a, 0x53, 0x44, 0x0c, 0x6d, 0x4d, 0xc6, 0x9a, 0xc7, 0xd2, 0xd6, 0x46, 0xe0, 0x71, 0xec}, "775a5344-0c6d-4dc6-9ac7-d2d646e071ec"},
		{"version and variant bits replaced", [16]byte{6: 0xa5, 8: 0x5a}, "00000000-0000-4500-9a00-000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokens.UUIDFrom(tt.in); got != tt.want {
				t.Errorf("UUIDFrom(% x) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestUUIDFromKeepsOtherBits(t *testing.T) {
	// Every bit but the 4 version and 2 variant bits comes from the input.
	for i := range 16 {
		for _, v := range []byte{0x01, 0x80, 0xff} {
			var b [16]byte
			b[i] = v
			u, err := uuid.Parse(tokens.UUIDFrom(b))
			if err != nil {
				t.Fatal(err)
			}
			want := b
			want[6] = want[6]&0x0f | 0x40
			want[8] = want[8]&0x3f | 0x80
			if [16]byte(u) != want {
				t.Errorf("UUIDFrom(% x) has bytes % x, want % x", b, u[:], want)
			}
		}
	}
}

func TestRandomTokens(t *testing.T) {
	tests := []struct {
		name  string
		f     func() string
		chars int
		bytes int
	}{
		{"Secure", tokens.Secure, 22, 16},
		{"NewSecret", tokens.NewSecret, 43, 32},
	}
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]bool{}
			var ored [64]byte
			for range 1000 {
				s := tt.f()
				if len(s) != tt.chars {
					t.Fatalf("%s() = %q: %d characters, want %d", tt.name, s, len(s), tt.chars)
				}
				if !urlSafe.MatchString(s) {
					t.Fatalf("%s() = %q: not url-safe base64 without padding", tt.name, s)
				}
				b, err := base64.RawURLEncoding.DecodeString(s)
				if err != nil {
					t.Fatalf("%s() = %q: %v", tt.name, s, err)
				}
				if len(b) != tt.bytes {
					t.Fatalf("%s() = %q: %d bytes, want %d", tt.name, s, len(b), tt.bytes)
				}
				if seen[s] {
					t.Fatalf("%s() repeated %q", tt.name, s)
				}
				seen[s] = true
				for i, c := range b {
					ored[i] |= c
				}
			}
			// Over 1000 draws every bit of every byte has been set at least once.
			for i, c := range ored[:tt.bytes] {
				if c != 0xff {
					t.Errorf("%s(): byte %d never had bits %08b set in 1000 draws", tt.name, i, ^c)
				}
			}
		})
	}
}

func TestAccessTokenMatchesGoTrue(t *testing.T) {
	const secret = "instance-secret"
	tests := []struct {
		name    string
		claims  tokens.Claims
		payload string
	}{
		{
			// The example claims of the spec (gotrue.md §4.2), in GoTrue's order.
			name: "netlify user",
			claims: tokens.Claims{
				ExpiresAt:    1700003600,
				Subject:      "775a5344-0c6d-4dc6-9ac7-d2d646e071ec",
				Email:        "jane@example.com",
				AppMetaData:  map[string]any{"provider": "email", "roles": []string{"editor"}},
				UserMetaData: map[string]any{"full_name": "Jane"},
			},
			payload: `{"exp":1700003600,"sub":"775a5344-0c6d-4dc6-9ac7-d2d646e071ec","email":"jane@example.com",` +
				`"app_metadata":{"provider":"email","roles":["editor"]},"user_metadata":{"full_name":"Jane"}}`,
		},
		{
			name: "aud only when set",
			claims: tokens.Claims{
				Audience: "api.example", ExpiresAt: 1700003600, Subject: "775a5344-0c6d-4dc6-9ac7-d2d646e071ec", Email: "a@b.c",
				AppMetaData: map[string]any{}, UserMetaData: map[string]any{},
			},
			payload: `{"aud":"api.example","exp":1700003600,"sub":"775a5344-0c6d-4dc6-9ac7-d2d646e071ec","email":"a@b.c","app_metadata":{},"user_metadata":{}}`,
		},
		{
			name:    "nil metadata is null",
			claims:  tokens.Claims{ExpiresAt: 1700003600, Subject: "s", Email: "a@b.c"},
			payload: `{"exp":1700003600,"sub":"s","email":"a@b.c","app_metadata":null,"user_metadata":null}`,
		},
		{
			name:    "iat and nbf when set",
			claims:  tokens.Claims{ExpiresAt: 3, IssuedAt: 1, NotBefore: 2, Subject: "s"},
			payload: `{"exp":3,"iat":1,"nbf":2,"sub":"s","app_metadata":null,"user_metadata":null}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tokens.NewSigner(secret).AccessToken(tt.claims)
			if err != nil {
				t.Fatal(err)
			}
			header, payload, signed, sig := segments(t, tok)
			if want := `{"alg":"HS256","kid":"nf-ident","typ":"JWT"}`; header != want {
				t.Errorf("header = %s, want %s", header, want)
			}
			if payload != tt.payload {
				t.Errorf("payload =\n%s\nwant\n%s", payload, tt.payload)
			}
			if want := hs256(secret, signed); sig != want {
				t.Errorf("signature = %s, want HMAC-SHA256 under the secret %s", sig, want)
			}
		})
	}
}

func TestAccessTokenHasNoExtraClaims(t *testing.T) {
	tok, err := tokens.NewSigner("k").AccessToken(tokens.Claims{
		ExpiresAt: time.Now().Add(time.Hour).Unix(), Subject: "s", Email: "e@x.y",
		AppMetaData: map[string]any{"provider": "email"}, UserMetaData: map[string]any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, payload, _, _ := segments(t, tok)
	var m map[string]any
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"iat", "iss", "jti", "role", "aud", "nbf"} {
		if _, ok := m[absent]; ok {
			t.Errorf("payload %s has %q, which GoTrue's access token does not", payload, absent)
		}
	}
}

func TestAccessTokenIsDeterministic(t *testing.T) {
	// No iat or jti: the same claims under the same secret give the same token.
	c := tokens.Claims{ExpiresAt: 1700003600, Subject: "s", Email: "e@x.y", AppMetaData: map[string]any{"provider": "email"}}
	a, err := tokens.NewSigner("k").AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tokens.NewSigner("k").AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("the same claims gave two tokens:\n%s\n%s", a, b)
	}
	other, err := tokens.NewSigner("k2").AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	if other == a {
		t.Error("two secrets gave the same token")
	}
}

func TestParseAccessToken(t *testing.T) {
	signer := tokens.NewSigner("right")
	exp := time.Now().Add(time.Hour).Unix()
	in := tokens.Claims{
		Audience: "aud", ExpiresAt: exp, Subject: "775a5344-0c6d-4dc6-9ac7-d2d646e071ec", Email: "jane@example.com",
		AppMetaData:  map[string]any{"provider": "email", "roles": []any{"admin", "editor"}},
		UserMetaData: map[string]any{"full_name": "Jane", "age": 41.0, "nested": map[string]any{"a": true}},
	}
	tok, err := signer.AccessToken(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := signer.Parse(tok)
	if err != nil {
		t.Fatalf("Parse of a token it signed: %v", err)
	}
	if !reflect.DeepEqual(*got, in) {
		t.Errorf("Parse = %+v, want %+v", *got, in)
	}
	if _, err := tokens.NewSigner("wrong").Parse(tok); err == nil {
		t.Error("a token signed with another secret was accepted")
	}
}

func TestParseWithoutExpiry(t *testing.T) {
	// As golang-jwt v4 (and so GoTrue) has it, a token without exp does not expire.
	signer := tokens.NewSigner("k")
	tok, err := signer.AccessToken(tokens.Claims{Subject: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := signer.Parse(tok); err != nil || c.Subject != "s" {
		t.Errorf("Parse = %+v, %v, want sub s and no error", c, err)
	}
}

func TestParseRefuses(t *testing.T) {
	const secret = "right"
	signer := tokens.NewSigner(secret)
	now := time.Now()
	mint := func(c tokens.Claims) string {
		tok, err := signer.AccessToken(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	valid := mint(tokens.Claims{ExpiresAt: now.Add(time.Hour).Unix(), Subject: "s", Email: "e@x.y"})
	parts := strings.Split(valid, ".")
	adminExpired, err := signer.AdminToken(now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	future := jwt.MapClaims{"exp": now.Add(time.Hour).Unix(), "sub": "s"}
	tests := []struct {
		name   string
		token  string
		is     error  // errors.Is target, when golang-jwt has one
		substr string // in the message GoTrue shows after "Invalid token: "
	}{
		{"another secret", signedWith(t, "wrong", tokens.Claims{ExpiresAt: now.Add(time.Hour).Unix(), Subject: "s"}), jwt.ErrSignatureInvalid, "signature is invalid"},
		{"expired", mint(tokens.Claims{ExpiresAt: now.Add(-time.Hour).Unix(), Subject: "s"}), jwt.ErrTokenExpired, "token is expired by "},
		{"expired admin token", adminExpired, jwt.ErrTokenExpired, "token is expired by "},
		{"not valid yet", mint(tokens.Claims{ExpiresAt: now.Add(2 * time.Hour).Unix(), NotBefore: now.Add(time.Hour).Unix()}), jwt.ErrTokenNotValidYet, "token is not valid yet"},
		{"issued in the future", mint(tokens.Claims{ExpiresAt: now.Add(2 * time.Hour).Unix(), IssuedAt: now.Add(time.Hour).Unix()}), jwt.ErrTokenUsedBeforeIssued, "token used before issued"},
		{"payload changed", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":9999999999,"sub":"0"}`)) + "." + parts[2], jwt.ErrSignatureInvalid, "signature is invalid"},
		{"HS512", forge(t, jwt.SigningMethodHS512, future, []byte(secret)), nil, "signing method HS512 is invalid"},
		{"HS384", forge(t, jwt.SigningMethodHS384, future, []byte(secret)), nil, "signing method HS384 is invalid"},
		{"alg none", forge(t, jwt.SigningMethodNone, future, jwt.UnsafeAllowNoneSignatureType), nil, "signing method none is invalid"},
		{"two segments", parts[0] + "." + parts[1], nil, "token contains an invalid number of segments"},
		{"empty", "", nil, "token contains an invalid number of segments"},
		{"bearer prefix", "Bearer " + valid, nil, "bearer"},
		{"not base64", "!!!.???.***", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := signer.Parse(tt.token)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tt.token, c)
			}
			if c != nil {
				t.Errorf("Parse returned claims %+v with its error", c)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Parse error %q is not %q", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.substr) {
				t.Errorf("Parse error %q does not contain %q", err, tt.substr)
			}
		})
	}
}

// signedWith signs an access token under secret.
func signedWith(t *testing.T, secret string, c tokens.Claims) string {
	t.Helper()
	tok, err := tokens.NewSigner(secret).AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestParseAcceptsTokenWithoutKid(t *testing.T) {
	// Tokens from before GoTrue added kid (2026-02) are still valid.
	tok := forge(t, jwt.SigningMethodHS256, jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix(), "sub": "s", "email": "e@x.y"}, []byte("k"))
	header, _, _, _ := segments(t, tok)
	if strings.Contains(header, "kid") {
		t.Fatalf("forged header %s has a kid", header)
	}
	c, err := tokens.NewSigner("k").Parse(tok)
	if err != nil {
		t.Fatalf("Parse of a token without kid: %v", err)
	}
	if c.Subject != "s" || c.Email != "e@x.y" {
		t.Errorf("Parse = %+v, want sub s and email e@x.y", c)
	}
}

func TestClaimsValid(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name   string
		claims tokens.Claims
		is     error
	}{
		{"no times", tokens.Claims{}, nil},
		{"exp ahead", tokens.Claims{ExpiresAt: now.Add(time.Minute).Unix()}, nil},
		{"iat and nbf behind", tokens.Claims{IssuedAt: now.Add(-time.Minute).Unix(), NotBefore: now.Add(-time.Minute).Unix()}, nil},
		{"exp behind", tokens.Claims{ExpiresAt: now.Add(-time.Minute).Unix()}, jwt.ErrTokenExpired},
		{"nbf ahead", tokens.Claims{NotBefore: now.Add(time.Hour).Unix()}, jwt.ErrTokenNotValidYet},
		{"iat ahead", tokens.Claims{IssuedAt: now.Add(time.Hour).Unix()}, jwt.ErrTokenUsedBeforeIssued},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.claims.Valid()
			if tt.is == nil {
				if err != nil {
					t.Errorf("Valid() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("Valid() = %v, want %v", err, tt.is)
			}
		})
	}
}

func TestAdminTokenMatchesProduction(t *testing.T) {
	// The admin token of a production capture (gotrue.md §7): its header and payload
	// are these bytes exactly; only the signature depends on the secret.
	const (
		captured = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE2Mjc5NzI1MTQsInN1YiI6IjAifQ"
		secret   = "instance-secret"
	)
	for _, exp := range []time.Time{time.Unix(1627972514, 0), time.Unix(1627972514, 999_999_999).In(time.FixedZone("X", 5*3600))} {
		tok, err := tokens.NewSigner(secret).AdminToken(exp)
		if err != nil {
			t.Fatal(err)
		}
		header, payload, signed, sig := segments(t, tok)
		if signed != captured {
			t.Errorf("AdminToken(%v) = %s (header %s, payload %s), want %s.<signature>", exp, tok, header, payload, captured)
		}
		if want := hs256(secret, signed); sig != want {
			t.Errorf("signature = %s, want HMAC-SHA256 under the secret %s", sig, want)
		}
	}
}

func TestAdminTokenParses(t *testing.T) {
	signer := tokens.NewSigner("k")
	exp := time.Now().Add(5 * time.Minute)
	tok, err := signer.AdminToken(exp)
	if err != nil {
		t.Fatal(err)
	}
	c, err := signer.Parse(tok)
	if err != nil {
		t.Fatalf("Parse of an admin token: %v", err)
	}
	want := tokens.Claims{ExpiresAt: exp.Unix(), Subject: tokens.SystemUserID}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("Parse = %+v, want %+v", *c, want)
	}
	if tokens.SystemUserID != "0" {
		t.Errorf("SystemUserID = %q, want \"0\"", tokens.SystemUserID)
	}
	if _, err := tokens.NewSigner("other").Parse(tok); !errors.Is(err, jwt.ErrSignatureInvalid) {
		t.Errorf("Parse under another secret = %v, want %v", err, jwt.ErrSignatureInvalid)
	}
}
