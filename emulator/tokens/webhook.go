package tokens

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

// webhookClaims are the claims of X-Webhook-Signature, in GoTrue's order.
type webhookClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	IssuedAt int64  `json:"iat"`
	SHA256   string `json:"sha256"`
}

func (c *webhookClaims) Valid() error { return nil }

// SignWebhook returns the X-Webhook-Signature value GoTrue sends with a hook body:
// HS256 over {"iss":"gotrue","sub":instanceID,"iat","sha256":hex(sha256(body))}.
func SignWebhook(secret, instanceID string, body []byte, at time.Time) (string, error) {
	sum := sha256.Sum256(body)
	c := &webhookClaims{Issuer: "gotrue", Subject: instanceID, IssuedAt: at.Unix(), SHA256: hex.EncodeToString(sum[:])}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
	if err != nil {
		return "", fmt.Errorf("sign webhook: %w", err)
	}
	return signed, nil
}

// VerifyWebhook checks a signature against the body, as a receiver should: HS256 with
// the secret, iss "gotrue", sub the instance id and sha256 the body's digest.
func VerifyWebhook(secret, instanceID, signature string, body []byte) error {
	c := &webhookClaims{}
	p := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Name}))
	if _, err := p.ParseWithClaims(signature, c, func(*jwt.Token) (any, error) { return []byte(secret), nil }); err != nil {
		return fmt.Errorf("webhook signature: %w", err)
	}
	sum := sha256.Sum256(body)
	switch {
	case c.Issuer != "gotrue":
		return fmt.Errorf("webhook signature: iss is %q, want \"gotrue\"", c.Issuer)
	case c.Subject != instanceID:
		return fmt.Errorf("webhook signature: sub is %q, want the instance id %q", c.Subject, instanceID)
	case c.SHA256 != hex.EncodeToString(sum[:]):
		return fmt.Errorf("webhook signature: sha256 claim does not match the body")
	}
	return nil
}
