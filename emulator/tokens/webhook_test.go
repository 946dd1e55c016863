package tokens_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"

	"github.com/identity-dev/dev/emulator/tokens"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestSignWebhookMatchesGoTrue(t *testing.T) {
	const (
		secret   = "hook-secret"
		instance = "9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
	)
	tests := []struct {
		name string
		body string
		at   time.Time
		want string // the payload
	}{
		{
			name: "signup body",
			body: `{"event":"signup","instance_id":"9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","user":{}}`,
			at:   time.Unix(1714557600, 0),
			want: `{"iss":"gotrue","sub":"9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","iat":1714557600,` +
				`"sha256":"` + sha256Hex(`{"event":"signup","instance_id":"9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","user":{}}`) + `"}`,
		},
		{
			name: "empty body",
			body: "",
			at:   time.Unix(1714557600, 750_000_000),
			want: `{"iss":"gotrue","sub":"9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","iat":1714557600,` +
				`"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := tokens.SignWebhook(secret, instance, []byte(tt.body), tt.at)
			if err != nil {
				t.Fatal(err)
			}
			header, payload, signed, mac := segments(t, sig)
			if want := `{"alg":"HS256","typ":"JWT"}`; header != want {
				t.Errorf("header = %s, want %s", header, want)
			}
			if payload != tt.want {
				t.Errorf("payload =\n%s\nwant\n%s", payload, tt.want)
			}
			if want := hs256(secret, signed); mac != want {
				t.Errorf("signature = %s, want HMAC-SHA256 under the secret %s", mac, want)
			}
		})
	}
}

func TestVerifyWebhook(t *testing.T) {
	const (
		secret   = "hook-secret"
		instance = "9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
	)
	body := []byte(`{"event":"login","instance_id":"9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","user":{"id":"x"}}`)
	sign := func(secret, instance string, body []byte, at time.Time) string {
		s, err := tokens.SignWebhook(secret, instance, body, at)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := sign(secret, instance, body, time.Now())
	claims := func(iss, sub, sum string) jwt.MapClaims {
		return jwt.MapClaims{"iss": iss, "sub": sub, "iat": time.Now().Unix(), "sha256": sum}
	}
	tests := []struct {
		name      string
		secret    string
		instance  string
		signature string
		body      []byte
		wantErr   string // "" for a signature that verifies
	}{
		{"as signed", secret, instance, good, body, ""},
		{"signed long ago", secret, instance, sign(secret, instance, body, time.Unix(0, 0)), body, ""},
		{"empty body", secret, instance, sign(secret, instance, nil, time.Now()), []byte{}, ""},
		{"another secret", "other-secret", instance, good, body, "signature is invalid"},
		{"another instance", secret, "00000000-0000-0000-0000-000000000000", good, body, `sub is "9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", want the instance id "00000000-0000-0000-0000-000000000000"`},
		{"body changed", secret, instance, good, []byte(strings.Replace(string(body), `"x"`, `"y"`, 1)), "sha256 claim does not match the body"},
		{"body of another event", secret, instance, good, []byte(`{"event":"signup"}`), "sha256 claim does not match the body"},
		{"another issuer", secret, instance, forge(t, jwt.SigningMethodHS256, claims("netlify", instance, sha256Hex(string(body))), []byte(secret)), body, `iss is "netlify", want "gotrue"`},
		{"no issuer", secret, instance, forge(t, jwt.SigningMethodHS256, jwt.MapClaims{"sub": instance, "sha256": sha256Hex(string(body))}, []byte(secret)), body, `iss is "", want "gotrue"`},
		{"HS512", secret, instance, forge(t, jwt.SigningMethodHS512, claims("gotrue", instance, sha256Hex(string(body))), []byte(secret)), body, "signing method HS512 is invalid"},
		{"alg none", secret, instance, forge(t, jwt.SigningMethodNone, claims("gotrue", instance, sha256Hex(string(body))), jwt.UnsafeAllowNoneSignatureType), body, "signing method none is invalid"},
		{"not a jwt", secret, instance, "sha256=abcdef", body, "token contains an invalid number of segments"},
		{"empty", secret, instance, "", body, "token contains an invalid number of segments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tokens.VerifyWebhook(tt.secret, tt.instance, tt.signature, tt.body)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("VerifyWebhook = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("VerifyWebhook = nil, want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("VerifyWebhook = %q, want it to contain %q", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "webhook signature: ") {
				t.Errorf("VerifyWebhook = %q, want it to say it is about the webhook signature", err)
			}
		})
	}
}

func TestSignWebhookRoundTrip(t *testing.T) {
	// Whatever SignWebhook signs, VerifyWebhook accepts, and only with the same inputs.
	for _, body := range []string{"", "{}", `{"event":"validate"}`, strings.Repeat("x", 1<<16), "\x00\xff binary"} {
		sig, err := tokens.SignWebhook("s", "i", []byte(body), time.Unix(1, 0))
		if err != nil {
			t.Fatal(err)
		}
		if err := tokens.VerifyWebhook("s", "i", sig, []byte(body)); err != nil {
			t.Errorf("VerifyWebhook of a body of %d bytes: %v", len(body), err)
		}
		if err := tokens.VerifyWebhook("s", "i", sig, []byte(body+" ")); err == nil {
			t.Errorf("VerifyWebhook accepted a body of %d bytes with a space added", len(body))
		}
	}
}
