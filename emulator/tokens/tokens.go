// Package tokens mints and checks the JWTs that Netlify Identity issues: user access
// tokens, the functions' short-lived admin token (sub "0"), and the opaque random
// tokens used for refresh, confirmation, recovery, invites and email changes.
//
// It uses golang-jwt v4, the library GoTrue uses, so that every validation error a
// client sees ("token is expired by 1m0s", "signature is invalid", ...) reads the same.
package tokens

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/google/uuid"
)

// KeyID is the "kid" header GoTrue has put on access tokens since 2026-02.
const KeyID = "nf-ident"

// SystemUserID is the subject of the functions' admin token: GoTrue treats it as a
// super-admin that is not stored anywhere.
const SystemUserID = "0"

// Claims are an access token's claims, in the order GoTrue serialises them.
// There is no iat, iss or jti, so two tokens minted in the same second are identical.
type Claims struct {
	Audience     string         `json:"aud,omitempty"`
	ExpiresAt    int64          `json:"exp,omitempty"`
	IssuedAt     int64          `json:"iat,omitempty"`
	NotBefore    int64          `json:"nbf,omitempty"`
	Subject      string         `json:"sub,omitempty"`
	Email        string         `json:"email,omitempty"`
	AppMetaData  map[string]any `json:"app_metadata"`
	UserMetaData map[string]any `json:"user_metadata"`
}

// Valid applies golang-jwt v4's StandardClaims rules, so expiry messages match GoTrue's
// (StandardClaims is deprecated upstream, and used here on purpose for those messages).
func (c *Claims) Valid() error {
	std := jwt.StandardClaims{ExpiresAt: c.ExpiresAt, IssuedAt: c.IssuedAt, NotBefore: c.NotBefore}
	return std.Valid()
}

// adminClaims are the functions' admin token claims: exactly {"exp","sub"}.
type adminClaims struct {
	ExpiresAt int64  `json:"exp"`
	Subject   string `json:"sub"`
}

func (c *adminClaims) Valid() error { return nil }

// Signer signs and verifies tokens with one instance secret.
type Signer struct {
	secret []byte
}

// NewSigner returns a Signer for the instance JWT secret.
func NewSigner(secret string) *Signer { return &Signer{secret: []byte(secret)} }

// AccessToken mints a user access token valid until exp.
func (s *Signer) AccessToken(c Claims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, &c)
	tok.Header["kid"] = KeyID
	signed, err := tok.SignedString(s.secret)
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return signed, nil
}

// AdminToken mints the functions' admin token: HS256 {"exp","sub":"0"} without kid,
// as production puts in clientContext.identity.token.
func (s *Signer) AdminToken(exp time.Time) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, &adminClaims{ExpiresAt: exp.Unix(), Subject: SystemUserID})
	signed, err := tok.SignedString(s.secret)
	if err != nil {
		return "", fmt.Errorf("sign admin token: %w", err)
	}
	return signed, nil
}

// Parse verifies a bearer token (HS256 only, against the instance secret) and returns
// its claims. The error text is golang-jwt's, which GoTrue prefixes with "Invalid token: ".
func (s *Signer) Parse(bearer string) (*Claims, error) {
	p := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Name}))
	claims := &Claims{}
	_, err := p.ParseWithClaims(bearer, claims, func(*jwt.Token) (any, error) { return s.secret, nil })
	if err != nil {
		return nil, err
	}
	return claims, nil
}

// Secure returns a new 22-character url-safe random token (16 random bytes,
// base64url without padding), the shape of every opaque GoTrue token.
func Secure() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NewSecret returns a random instance secret.
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NewUUID returns a random (version 4) UUID string.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return UUIDFrom(b)
}

// NewOrderedUUID returns a version 7 UUID string (RFC 9562, google/uuid's): the time in
// milliseconds first, so that ids made one after another sort in that order. The
// journal's entries have them: an index of such ids grows at one end, where random ones
// dirtied pages all over it (a third of an entry's write).
func NewOrderedUUID() string {
	u, err := uuid.NewV7()
	if err != nil { // only when the system's random source fails
		return NewUUID()
	}
	return u.String()
}

// UUIDFrom makes a version 4 UUID string of 16 random bytes (mockdata's come from a
// seeded generator).
func UUIDFrom(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&0x0f])
	}
	return string(out)
}
