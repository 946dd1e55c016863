package devserver

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/hooks"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/tokens"
	"github.com/identity-dev/dev/fixtures"
)

// exchange is one request recorded against a real GoTrue (testdata/gotrue/exchanges.jsonl).
type exchange struct {
	Title           string          `json:"title"`
	Method          string          `json:"method"`
	Path            string          `json:"path"`
	RequestHeaders  []string        `json:"request_headers"`
	RequestBody     string          `json:"request_body"`
	Status          int             `json:"status"`
	ResponseHeaders []string        `json:"response_headers"`
	ResponseBody    json.RawMessage `json:"response_body"`
}

func loadExchanges(t *testing.T) []exchange {
	t.Helper()
	f, err := os.Open("../../testdata/gotrue/exchanges.jsonl")
	if err != nil {
		t.Fatalf("open recording: %v", err)
	}
	defer f.Close()
	var out []exchange
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e exchange
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("exchange %d: %v", len(out), err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read recording: %v", err)
	}
	return out
}

// Exchanges that cannot apply to a single local instance, and why.
var notReplayed = map[int]string{
	83:  "operator token: Netlify's internal credential, which no client of a site holds",
	100: "POST /instances: operator-only instance management",
	101: "multi-instance x-nf-sign plumbing between Netlify's proxy and GoTrue",
	102: "multi-instance x-nf-sign plumbing between Netlify's proxy and GoTrue",
	103: "multi-instance x-nf-sign plumbing between Netlify's proxy and GoTrue",
	108: "lists the users of a second instance (dev serves one)",
}

// The events the recorded server delivered during each exchange; every other
// exchange delivered none.
var recordedDeliveries = map[int][]string{
	6: {"validate"}, 19: {"signup"}, 22: {"login"}, 32: {"login"}, 44: {"login"},
	62: {"validate"}, 78: {"login"}, 80: {"login"}, 88: {"validate"}, 90: {"signup"},
	92: {"validate"}, 93: {"validate"}, 94: {"validate"}, 95: {"validate", "validate", "validate"},
	97: {"validate"}, 98: {"login"}, 99: {"login", "login", "login"},
	104: {"validate"}, 105: {"signup"}, 106: {"login"},
}

// How the recording's webhook receiver answered during an exchange.
type hookAnswer struct {
	status int
	body   string
}

var defaultHookAnswer = hookAnswer{200, `{"app_metadata":{"roles":["member"]}}`}

var recordedHookAnswers = map[int]hookAnswer{
	92: {200, `{"user_metadata":{"from_hook":true},"app_metadata":{"roles":["validated"],"tier":"gold"}}`},
	93: {204, ``},
	94: {200, `{}`},
	95: {400, `{"error":"nope"}`},
	97: {200, `not json`},
	98: {200, `{"app_metadata":{"roles":["logged-in"]}}`},
	99: {500, `{"error":"boom"}`},
}

// Tokens the recording read from captured mail: kind and recipient.
var recordedMailTokens = map[string][2]string{
	"H8877t5xzw5Qy0hSm8YOAg": {"confirmation", "alice@example.com"},
	"EUUYvrBQdzpC65BqNoG29g": {"email_change", "alice.new@example.com"},
	"zUHTgggnNqizFEGjXJlx5A": {"recovery", "alice.new@example.com"},
	"4CBc_KfcW3zEt9TciLFuug": {"invite", "erin@example.com"},
	"4aLtXSXexnhEG1EJaaxlDw": {"confirmation", "mia@example.com"},
}

type delivery struct {
	event     string
	signature string
	header    http.Header
	body      []byte
}

// receiver is the webhook endpoint of the recording, answering as it did.
type receiver struct {
	mu         sync.Mutex
	answer     hookAnswer
	deliveries []delivery
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.deliveries = append(rc.deliveries, delivery{
		event:     strings.TrimPrefix(r.Header.Get("X-Netlify-Event"), "identity_"),
		signature: r.Header.Get("X-Webhook-Signature"),
		header:    r.Header.Clone(),
		body:      body,
	})
	a := rc.answer
	rc.mu.Unlock()
	if a.body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func (rc *receiver) take(a hookAnswer) []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.deliveries
	rc.deliveries, rc.answer = nil, a
	return out
}

// TestReplayRecordedExchanges sends every applicable request recorded against a real
// GoTrue, in order, and compares status, the headers that matter and the body, with
// ids, times and tokens normalized to their shape.
func TestReplayRecordedExchanges(t *testing.T) {
	const webhookSecret = "oracle-webhook-secret"
	rc := &receiver{answer: defaultHookAnswer}
	hookServer := httptest.NewServer(rc)
	defer hookServer.Close()

	srv := startServer(t, Options{
		SiteURL:   "https://oracle-site.example.test",
		JWTSecret: "oracle-jwt-secret",
		Webhook:   &hooks.Webhook{URL: hookServer.URL + "/webhook", Secret: webhookSecret, Events: []string{"validate", "signup", "login"}},
	})
	instanceID := srv.API().Config().InstanceID
	admin, err := srv.AdminToken(time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	var delivered []delivery
	ids := map[string]string{}    // recorded id → ours
	values := map[string]string{} // recorded token → ours
	var lastAccess string
	replayed := 0
	for i, ex := range loadExchanges(t) {
		if why, skip := notReplayed[i]; skip {
			t.Logf("exchange %d (%s) not replayed: %s", i, ex.Title, why)
			continue
		}
		answer, ok := recordedHookAnswers[i]
		if !ok {
			answer = defaultHookAnswer
		}
		rc.take(answer)

		body := ex.RequestBody
		for rec, ours := range values {
			body = strings.ReplaceAll(body, rec, ours)
		}
		for rec, src := range recordedMailTokens {
			if strings.Contains(body, rec) {
				body = strings.ReplaceAll(body, rec, srv.mailToken(t, src[1], identity.MailKind(src[0])))
			}
		}
		path := ex.Path
		for rec, ours := range ids {
			path = strings.ReplaceAll(path, rec, ours)
		}
		var headers []string
		for _, h := range ex.RequestHeaders {
			switch {
			case strings.HasPrefix(strings.ToLower(h), "x-nf-sign:"):
				continue
			case strings.HasPrefix(h, "Authorization: Bearer ") && strings.Contains(h, "…("):
				h = "Authorization: " + recordedBearer(t, i, ex, srv, admin, lastAccess)
			}
			headers = append(headers, h)
		}

		resp := srv.do(t, ex.Method, srv.identityURL(path), body, headers...)
		replayed++
		name := ex.Title
		if resp.Status != ex.Status {
			t.Errorf("exchange %d %q: status %d, recorded %d; body %s", i, name, resp.Status, ex.Status, resp.Body)
			continue
		}
		compareHeaders(t, i, name, ex.ResponseHeaders, resp.Header)
		compareBodies(t, i, name, ex.ResponseBody, resp.Body, ids, values, &lastAccess)

		got := rc.take(defaultHookAnswer)
		delivered = append(delivered, got...)
		var events []string
		for _, d := range got {
			events = append(events, d.event)
			if err := tokens.VerifyWebhook(webhookSecret, instanceID, d.signature, d.body); err != nil {
				t.Errorf("exchange %d %q: %s delivery: %v", i, name, d.event, err)
			}
		}
		if strings.Join(events, ",") != strings.Join(recordedDeliveries[i], ",") {
			t.Errorf("exchange %d %q: delivered %v, recorded %v", i, name, events, recordedDeliveries[i])
		}
	}
	if replayed < 100 {
		t.Fatalf("replayed %d exchanges; the recording has more than 100 that apply", replayed)
	}
	compareDeliveries(t, recordedWebhookDeliveries(t), delivered)
}

// recordedDelivery is a webhook delivery as the transcript shows it.
type recordedDelivery struct {
	title  string
	header map[string][]string
	body   []byte
}

// recordedWebhookDeliveries reads every "Webhook delivery" of the transcript: its
// headers and the raw body bytes as sent.
func recordedWebhookDeliveries(t *testing.T) []recordedDelivery {
	t.Helper()
	b, err := os.ReadFile("../../testdata/gotrue/gotrue-transcript.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []recordedDelivery
	sections := strings.Split(string(b), "**Webhook delivery #")[1:]
	for _, sec := range sections {
		d := recordedDelivery{title: strings.SplitN(sec, "\n", 2)[0]}
		blocks := strings.Split(sec, "```json\n")
		var meta struct {
			Headers map[string][]string `json:"headers"`
		}
		if err := json.Unmarshal([]byte(strings.SplitN(blocks[1], "\n```", 2)[0]), &meta); err != nil {
			t.Fatalf("delivery %s: headers: %v", d.title, err)
		}
		d.header = meta.Headers
		raw := strings.SplitN(sec, "Body (raw bytes as sent):\n```json\n", 2)
		if len(raw) != 2 {
			t.Fatalf("delivery %s has no raw body", d.title)
		}
		d.body = []byte(strings.SplitN(raw[1], "\n```", 2)[0])
		out = append(out, d)
	}
	return out
}

// compareDeliveries compares each delivery the emulator made with the recorded one:
// the body's keys, order and values (ids, times and the instance id by shape) and the
// headers GoTrue sends.
func compareDeliveries(t *testing.T, recorded []recordedDelivery, got []delivery) {
	t.Helper()
	if len(recorded) != len(got) {
		t.Fatalf("%d deliveries, the recording has %d", len(got), len(recorded))
	}
	for i, rec := range recorded {
		want, err := parseOrdered(rec.body)
		if err != nil {
			t.Fatalf("recorded delivery %s: %v", rec.title, err)
		}
		have, err := parseOrdered(got[i].body)
		if err != nil {
			t.Fatalf("delivery %d: body is not JSON: %s", i+1, got[i].body)
		}
		for _, n := range []*node{want, have} {
			if id := n.get("instance_id"); id != nil {
				id.value = "<instance>"
			}
		}
		var event struct{ Event string }
		_ = json.Unmarshal(got[i].body, &event)
		if err := fixtures.Validate("identity-"+event.Event, got[i].body); err != nil {
			t.Errorf("delivery %s: %v", rec.title, err)
		}
		if w, g := want.normalized(""), have.normalized(""); w != g {
			t.Errorf("delivery %s: body differs\n got:      %s\n recorded: %s", rec.title, g, w)
		}
		for _, h := range []string{"Content-Type", "X-Netlify-Event", "User-Agent", "Accept-Encoding"} {
			if w, g := strings.Join(rec.header[h], ","), got[i].header.Get(h); w != g {
				t.Errorf("delivery %s: header %s = %q, recorded %q", rec.title, h, g, w)
			}
		}
		if (len(rec.header["X-Webhook-Signature"]) > 0) != (got[i].signature != "") {
			t.Errorf("delivery %s: signature present = %v, recorded %v", rec.title, got[i].signature != "", rec.header["X-Webhook-Signature"])
		}
	}
}

// recordedBearer supplies the token the recording elided as "eyJ…(N chars)".
func recordedBearer(t *testing.T, i int, ex exchange, srv *testServer, admin, lastAccess string) string {
	t.Helper()
	switch {
	case strings.Contains(ex.Title, "wrong secret"):
		tok, err := tokens.NewSigner("some-other-secret").AccessToken(tokens.Claims{ExpiresAt: time.Now().Add(time.Hour).Unix(), Subject: tokens.NewUUID()})
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	case strings.Contains(ex.Title, "expired token"):
		tok, err := srv.API().Signer().AccessToken(tokens.Claims{ExpiresAt: time.Now().Add(-time.Minute).Unix(), Subject: tokens.NewUUID()})
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	case strings.Contains(ex.Title, "non-Bearer"):
		return "Basic YWxpY2U6UGFzc3cwcmQh"
	case strings.Contains(bearerHeader(ex), "(168 chars)"), strings.Contains(bearerHeader(ex), "(119 chars)"):
		// The recording's admin JWT: sub "0", signed with the instance secret.
		return "Bearer " + admin
	}
	if lastAccess == "" {
		t.Fatalf("exchange %d: no access token issued yet", i)
	}
	return "Bearer " + lastAccess
}

func bearerHeader(ex exchange) string {
	for _, h := range ex.RequestHeaders {
		if strings.HasPrefix(h, "Authorization: ") {
			return h
		}
	}
	return ""
}

// The headers that carry behaviour; Date, Content-Length and Vary's exact form aside.
var comparedHeaders = []string{
	"Content-Type", "Set-Cookie", "Link", "X-Total-Count", "X-Content-Type-Options", "Vary",
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
	"Access-Control-Allow-Headers", "Access-Control-Allow-Methods",
}

var cookieValueRe = regexp.MustCompile(`nf_jwt=[^;]+;`)
var cookieExpiresRe = regexp.MustCompile(`Expires=[^;]+;`)

func compareHeaders(t *testing.T, i int, name string, recorded []string, got http.Header) {
	t.Helper()
	want := http.Header{}
	for _, line := range recorded[1:] {
		k, v, _ := strings.Cut(line, ": ")
		want.Add(k, v)
	}
	norm := func(k, v string) string {
		if k == "Set-Cookie" {
			v = cookieValueRe.ReplaceAllStringFunc(v, func(s string) string {
				if s == "nf_jwt=;" {
					return s
				}
				return "nf_jwt=<jwt>;"
			})
			v = cookieExpiresRe.ReplaceAllString(v, "Expires=<date>;")
		}
		return v
	}
	for _, k := range comparedHeaders {
		var w, g []string
		for _, v := range want.Values(k) {
			w = append(w, norm(k, v))
		}
		for _, v := range got.Values(k) {
			g = append(g, norm(k, v))
		}
		sort.Strings(w)
		sort.Strings(g)
		if strings.Join(w, "\n") != strings.Join(g, "\n") {
			t.Errorf("exchange %d %q: header %s = %q, recorded %q", i, name, k, g, w)
		}
	}
}

func compareBodies(t *testing.T, i int, name string, recorded json.RawMessage, got []byte, ids, values map[string]string, lastAccess *string) {
	t.Helper()
	var recordedText string
	if err := json.Unmarshal(recorded, &recordedText); err == nil {
		// A string in the recording is a body that was not JSON (or empty).
		if strings.TrimSpace(recordedText) != strings.TrimSpace(string(got)) {
			t.Errorf("exchange %d %q: body %q, recorded %q", i, name, got, recordedText)
		}
		return
	}
	want, err := parseOrdered(recorded)
	if err != nil {
		t.Fatalf("exchange %d: recorded body: %v", i, err)
	}
	have, err := parseOrdered(got)
	if err != nil {
		t.Errorf("exchange %d %q: body is not JSON: %q", i, name, got)
		return
	}
	if w, g := want.normalized(""), have.normalized(""); w != g {
		t.Errorf("exchange %d %q: body differs\n got:      %s\n recorded: %s", i, name, g, w)
	}
	mapIDs(want, have, ids)
	for _, k := range []string{"access_token", "refresh_token"} {
		if w, g := want.get(k), have.get(k); w != nil && g != nil {
			values[w.str()] = g.str()
			if k == "access_token" {
				*lastAccess = g.str()
			}
		}
	}
}
