package rules

import (
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"

	"github.com/identity-dev/dev/emulator/tokens"
)

const testSecret = "instance-secret"

// claimsFor are an Identity user's access token claims expiring in ttl (negative: expired).
func claimsFor(ttl time.Duration, roles ...string) tokens.Claims {
	now := time.Now()
	r := make([]any, len(roles))
	for i, role := range roles {
		r[i] = role
	}
	return tokens.Claims{
		ExpiresAt: now.Add(ttl).Unix(), IssuedAt: now.Add(-time.Minute).Unix(),
		Subject: "3b2c8d4e-0000-4000-8000-000000000001", Email: "ann@example.com",
		AppMetaData: map[string]any{"provider": "email", "roles": r}, UserMetaData: map[string]any{},
	}
}

// mint signs claims as GoTrue does, with the instance secret.
func mint(t *testing.T, secret string, c tokens.Claims) string {
	t.Helper()
	tok, err := tokens.NewSigner(secret).AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// unsigned is an alg "none" token with the given claims, which netlify-redirector 0.5.0 accepts.
func unsigned(t *testing.T, c tokens.Claims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, &c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tokenCases are nf_jwt values and whether they carry the admin role.
func tokenCases(t *testing.T) []struct {
	name, token string
	valid       bool
} {
	noExp := claimsFor(time.Hour, "admin")
	noExp.ExpiresAt = 0
	future := claimsFor(time.Hour, "admin")
	future.NotBefore = time.Now().Add(time.Hour).Unix()
	hs384, err := jwt.NewWithClaims(jwt.SigningMethodHS384, &tokens.Claims{ExpiresAt: time.Now().Add(time.Hour).Unix(), AppMetaData: map[string]any{"roles": []any{"admin"}}}).SignedString([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	return []struct {
		name, token string
		valid       bool
	}{
		{"valid", mint(t, testSecret, claimsFor(time.Hour, "admin")), true},
		{"expired", mint(t, testSecret, claimsFor(-time.Minute, "admin")), false},
		{"forged with another secret", mint(t, "other-secret", claimsFor(time.Hour, "admin")), false},
		{"unsigned alg none", unsigned(t, claimsFor(time.Hour, "admin")), false},
		{"malformed", "not.a.jwt", false},
		{"garbage", "garbage", false},
		{"empty", "", false},
		{"without exp", mint(t, testSecret, noExp), false},
		{"not yet valid", mint(t, testSecret, future), false},
		{"HS384 with the secret", hs384, false},
	}
}

func TestRolesFromCookie(t *testing.T) {
	for _, tt := range tokenCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			roles, ok := RolesFromCookie(testSecret, tt.token)
			if tt.valid && (!ok || !slices.Equal(roles, []string{"admin"})) {
				t.Errorf("RolesFromCookie = %v, %v; want [admin], true", roles, ok)
			}
			if !tt.valid && (ok || roles != nil) {
				t.Errorf("RolesFromCookie = %v, %v; want no token", roles, ok)
			}
		})
	}
}

func TestRolesFromCookieShapes(t *testing.T) {
	noRoles := claimsFor(time.Hour)
	delete(noRoles.AppMetaData, "roles")
	mixed := claimsFor(time.Hour)
	mixed.AppMetaData["roles"] = []any{"editor", 7, "admin"}
	notList := claimsFor(time.Hour)
	notList.AppMetaData["roles"] = "admin"
	tests := []struct {
		name   string
		secret string
		token  string
		roles  []string
		ok     bool
	}{
		{"no roles claim is a valid token without roles", testSecret, mint(t, testSecret, noRoles), nil, true},
		{"non-string roles are left out", testSecret, mint(t, testSecret, mixed), []string{"editor", "admin"}, true},
		{"roles not a list", testSecret, mint(t, testSecret, notList), nil, true},
		{"empty secret verifies nothing", "", mint(t, "", claimsFor(time.Hour, "admin")), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roles, ok := RolesFromCookie(tt.secret, tt.token)
			if ok != tt.ok || !slices.Equal(roles, tt.roles) {
				t.Errorf("RolesFromCookie = %v, %v; want %v, %v", roles, ok, tt.roles, tt.ok)
			}
		})
	}
}

// TestRoleGateWithCookies runs the gate end to end: only a valid token opens it, and every
// other token gives 404 over an existing file, or the later 401! rule when there is one.
func TestRoleGateWithCookies(t *testing.T) {
	gateOnly := setOf(t, "/admin/* 200! Role=admin\n", "")
	withLogin := setOf(t, "/admin/* 200! Role=admin\n/admin/* /login 401!\n", "")
	for _, tt := range tokenCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{
				Path:   "/admin/index.html",
				Roles:  func() ([]string, bool) { return RolesFromCookie(testSecret, tt.token) },
				Exists: func(string) bool { return true },
			}
			res, login := gateOnly.Match(req), withLogin.Match(req)
			if tt.valid {
				checkResult(t, res, want{kind: Rewrite, status: 200, path: "/admin/index.html", source: "_redirects:1"})
				checkResult(t, login, want{kind: Rewrite, status: 200, path: "/admin/index.html", source: "_redirects:1"})
				return
			}
			checkResult(t, res, want{kind: NotFound, status: 404, source: "_redirects:1"})
			checkResult(t, login, want{kind: Rewrite, status: 401, path: "/login", source: "_redirects:2"})
		})
	}
}
