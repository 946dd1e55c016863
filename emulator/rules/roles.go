package rules

import "github.com/identity-dev/dev/emulator/tokens"

// RolesFromCookie verifies an nf_jwt cookie value with the instance secret and returns its
// app_metadata.roles. Only an HS256 token signed with secret, unexpired and with an exp is
// a valid token; expired, other-secret, unsigned (alg none), malformed or exp-less tokens
// give ok=false, so that a forged cookie never opens a gate locally.
func RolesFromCookie(secret, token string) (roles []string, ok bool) {
	if secret == "" || token == "" {
		return nil, false
	}
	claims, err := tokens.NewSigner(secret).Parse(token)
	if err != nil || claims.ExpiresAt == 0 {
		return nil, false
	}
	list, _ := claims.AppMetaData["roles"].([]any)
	for _, r := range list {
		if s, isString := r.(string); isString {
			roles = append(roles, s)
		}
	}
	return roles, true
}
