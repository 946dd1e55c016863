package identity

import "context"

// HookBody is the exact body GoTrue sends a hook: three keys, in this order.
type HookBody struct {
	Event      Event  `json:"event"`
	InstanceID string `json:"instance_id"`
	User       *User  `json:"user"`
}

// HookResult is what a hook answered that changes the user. A non-nil map replaces
// the user's whole map: production does not merge.
type HookResult struct {
	AppMetaData  map[string]any
	UserMetaData map[string]any
}

// Hooks delivers identity events. Trigger returns the hook's changes, or an *HTTPError
// that the identity operation answers with (422 "Failed to handle signup webhook",
// 504, 502, 500 "Webhook returned malformed JSON: ..."). Blocking events run before
// the operation commits, so a rejection leaves the store as it was. Trigger must not
// change user, nor keep it, and the maps it returns are the caller's to keep.
type Hooks interface {
	Trigger(ctx context.Context, event Event, user *User) (*HookResult, error)
}

// NoHooks is the Hooks of an instance with no hook functions and no webhook.
type NoHooks struct{}

// Trigger does nothing.
func (NoHooks) Trigger(context.Context, Event, *User) (*HookResult, error) { return nil, nil }

// applyHookResult replaces the maps the hook returned.
func applyHookResult(u *User, res *HookResult) {
	if res == nil {
		return
	}
	if res.AppMetaData != nil {
		u.AppMetaData = res.AppMetaData
	}
	if res.UserMetaData != nil {
		u.UserMetaData = res.UserMetaData
	}
}

// HookError builds the error a failed hook delivery gives the client, in GoTrue's
// shape; the hooks package uses it so the statuses and messages live in one place.
func HookError(code int, msg string, cause error) error {
	return httpError(code, "%s", msg).withInternal(cause)
}
