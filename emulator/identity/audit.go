package identity

import (
	"net/http"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/tokens"
)

// AuditAction is an entry kind of GoTrue's audit log.
type AuditAction string

const (
	AuditLogin                 AuditAction = "login"
	AuditLogout                AuditAction = "logout"
	AuditInviteAccepted        AuditAction = "invite_accepted"
	AuditUserSignedUp          AuditAction = "user_signedup"
	AuditUserInvited           AuditAction = "user_invited"
	AuditUserDeleted           AuditAction = "user_deleted"
	AuditUserModified          AuditAction = "user_modified"
	AuditUserRecoveryRequested AuditAction = "user_recovery_requested"
	AuditTokenRevoked          AuditAction = "token_revoked"
	AuditTokenRefreshed        AuditAction = "token_refreshed"
)

var auditLogTypes = map[AuditAction]string{
	AuditLogin: "account", AuditLogout: "account", AuditInviteAccepted: "account",
	AuditUserSignedUp: "team", AuditUserInvited: "team", AuditUserDeleted: "team",
	AuditTokenRevoked: "token", AuditTokenRefreshed: "token",
	AuditUserModified: "user", AuditUserRecoveryRequested: "user",
}

// audit writes one entry: the actor's id, email and full name, the action, its log
// type, and the traits naming the user acted upon.
func (a *API) audit(tx Tx, actor *User, action AuditAction, traits map[string]any) error {
	now := a.clock().UTC()
	payload := map[string]any{
		"timestamp":   now.Format(time.RFC3339),
		"actor_id":    actor.ID,
		"actor_email": actor.Email,
		"action":      string(action),
		"log_type":    auditLogTypes[action],
	}
	if name, ok := actor.UserMetaData["full_name"]; ok {
		payload["actor_name"] = name
	}
	if traits != nil {
		payload["traits"] = traits
	}
	return tx.CreateAuditEntry(&AuditEntry{ID: tokens.NewUUID(), Payload: payload, CreatedAt: now})
}

func userTraits(u *User) map[string]any {
	return map[string]any{"user_id": u.ID, "user_email": u.Email}
}

// GET /admin/audit?query=author:x|action:x|type:x
func (a *API) adminAudit(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	q := AuditQuery{Page: page}
	if query := r.URL.Query().Get("query"); query != "" {
		field, value, ok := strings.Cut(query, ":")
		if !ok || (field != "author" && field != "action" && field != "type") {
			return badRequest("Invalid query scope: %s", query)
		}
		q.Field, q.Value = field, value
	}
	var entries []*AuditEntry
	var total int
	err = a.store.View(r.Context(), func(tx Tx) error {
		entries, total, err = tx.ListAudit(q)
		return err
	})
	if err != nil {
		return internalError("Error searching for audit logs").withInternal(err)
	}
	if entries == nil {
		entries = []*AuditEntry{}
	}
	addPaginationHeaders(w, r, page, total)
	writeJSON(w, http.StatusOK, entries)
	return nil
}
