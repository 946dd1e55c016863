package journal

// The outcomes of an entry (Entry.Outcome), as they appear in its JSON.
const (
	// A hook or webhook attempt answered 200, 202 or 204.
	OutcomePass = "pass"
	// A hook or webhook attempt answered another status.
	OutcomeReject = "reject"
	// A typed identity handler called event.deny(): the operation is refused at once.
	OutcomeDeny = "deny"
	// A hook or webhook attempt did not answer within its time limit.
	OutcomeTimeout = "timeout"
	// A function call answered (whatever its status).
	OutcomeOK = "ok"
	// A function call failed, or a hook or webhook attempt could not be made.
	OutcomeError = "error"
)
