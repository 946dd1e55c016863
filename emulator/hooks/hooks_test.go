package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/tokens"
)

const instance = "9b1c2d3e-4f50-4172-8394-a5b6c7d8e9f0"

func user() *identity.User {
	t := time.Date(2026, 11, 28, 6, 30, 46, 0, time.UTC)
	return &identity.User{ID: "775a5344-0c6d-4dc6-9ac7-d2d646e071ec", Email: "jane@example.com",
		AppMetaData: map[string]any{"provider": "email"}, CreatedAt: t, UpdatedAt: t}
}

func receiver(t *testing.T, calls *int32, handle func(w http.ResponseWriter, r *http.Request, body []byte)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(calls, 1)
		body, _ := io.ReadAll(r.Body)
		handle(w, r, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func dispatcher(url string) *Dispatcher {
	return &Dispatcher{InstanceID: instance, Webhook: &Webhook{URL: url, Secret: "s", Events: []string{"validate", "signup", "login"}}}
}

func httpErr(t *testing.T, err error) *identity.HTTPError {
	t.Helper()
	var he *identity.HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("error %v is not an HTTPError", err)
	}
	return he
}

func TestRequestIsWhatGoTrueSends(t *testing.T) {
	var calls int32
	url := receiver(t, &calls, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Netlify-Event") != "identity_signup" {
			t.Errorf("request %s %v", r.Method, r.Header)
		}
		if err := tokens.VerifyWebhook("s", instance, r.Header.Get("X-Webhook-Signature"), body); err != nil {
			t.Error(err)
		}
		want := `{"event":"signup","instance_id":"` + instance + `","user":{"id":"775a5344-0c6d-4dc6-9ac7-d2d646e071ec","aud":"","role":"","email":"jane@example.com","app_metadata":{"provider":"email"},"user_metadata":null,"created_at":"2026-11-28T06:30:46Z","updated_at":"2026-11-28T06:30:46Z"}}`
		if string(body) != want {
			t.Errorf("body\n%s\nwant\n%s", body, want)
		}
		w.WriteHeader(200)
		io.WriteString(w, `{"app_metadata":{"roles":["member"]}}`)
	})
	res, err := dispatcher(url).Trigger(context.Background(), identity.EventSignup, user())
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(res.AppMetaData); string(b) != `{"roles":["member"]}` || res.UserMetaData != nil {
		t.Fatalf("result %+v", res)
	}
}

func TestRejectionIsTriedThreeTimesThenBlocks(t *testing.T) {
	var calls int32
	url := receiver(t, &calls, func(w http.ResponseWriter, _ *http.Request, _ []byte) { w.WriteHeader(400) })
	_, err := dispatcher(url).Trigger(context.Background(), identity.EventValidate, user())
	he := httpErr(t, err)
	if he.Code != 422 || he.Message != "Failed to handle signup webhook" || calls != 3 {
		t.Fatalf("%d %q after %d calls", he.Code, he.Message, calls)
	}
}

func TestTimeoutIsTriedThenGives504(t *testing.T) {
	var calls int32
	url := receiver(t, &calls, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	d := dispatcher(url)
	d.Timeout = 500 * time.Millisecond // time enough for each attempt to reach the receiver
	_, err := d.Trigger(context.Background(), identity.EventLogin, user())
	he := httpErr(t, err)
	if n := atomic.LoadInt32(&calls); he.Code != 504 || he.Message != "Failed to perform webhook in time frame (0.5 seconds)" || n != 3 {
		t.Fatalf("%d %q after %d calls", he.Code, he.Message, n)
	}
}

func TestNoConnectionGives502AtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/hook"
	ln.Close()
	_, err = dispatcher(url).Trigger(context.Background(), identity.EventValidate, user())
	he := httpErr(t, err)
	if he.Code != 502 || he.Message != "Failed to connect to "+url {
		t.Fatalf("%d %q", he.Code, he.Message)
	}
}

func TestAnswers(t *testing.T) {
	for name, tc := range map[string]struct {
		status  int
		body    string
		wantErr string
		changes bool
	}{
		"204 no body":       {204, "", "", false},
		"202 no body":       {202, "", "", false},
		"200 empty object":  {200, "{}", "", false},
		"200 non-JSON":      {200, "OK", "Webhook returned malformed JSON: invalid character 'O' looking for beginning of value", false},
		"200 JSON string":   {200, `"not json"`, "Webhook returned malformed JSON: json: cannot unmarshal string into Go value of type api.WebhookResponse", false},
		"200 user_metadata": {200, `{"user_metadata":{"a":1},"other":true}`, "", true},
	} {
		t.Run(name, func(t *testing.T) {
			var calls int32
			url := receiver(t, &calls, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			res, err := dispatcher(url).Trigger(context.Background(), identity.EventValidate, user())
			if tc.wantErr != "" {
				he := httpErr(t, err)
				if he.Code != 500 || he.Message != tc.wantErr {
					t.Fatalf("%d %q", he.Code, he.Message)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := res != nil && (res.AppMetaData != nil || res.UserMetaData != nil); got != tc.changes {
				t.Fatalf("changes = %v (%+v)", got, res)
			}
		})
	}
}

func TestOnlySubscribedEventsAreSent(t *testing.T) {
	var calls int32
	url := receiver(t, &calls, func(w http.ResponseWriter, _ *http.Request, _ []byte) { w.WriteHeader(200) })
	d := dispatcher(url)
	d.Webhook.Events = []string{"signup"}
	for _, e := range []identity.Event{identity.EventValidate, identity.EventLogin, identity.EventUserDeleted} {
		if _, err := d.Trigger(context.Background(), e, user()); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 0 {
		t.Fatalf("%d deliveries for unsubscribed events", calls)
	}
}

// The method names of typed handlers are said twice, in identity's rule table and in
// functions (which reads them from source and does not import identity): they agree.
func TestTypedMethodsAgree(t *testing.T) {
	for _, r := range identity.Events {
		if got := functions.EventMethods[r.Method]; got != r.NetlifyEvent {
			t.Errorf("%s: functions maps %s to %q, identity to %q", r.Event, r.Method, got, r.NetlifyEvent)
		}
	}
	if len(functions.EventMethods) != len(identity.Events) {
		t.Errorf("functions knows %d methods, identity %d events", len(functions.EventMethods), len(identity.Events))
	}
}

// buildingFunctions is an identity-login function whose build ends at ready; as dev's
// function server does, a call waits for the build, then answers at once. It counts
// the calls that got an answer.
type buildingFunctions struct {
	ready    time.Time
	answered atomic.Int32
}

func (f *buildingFunctions) Has(name string) bool        { return name == "identity-login" }
func (f *buildingFunctions) Held(name string) bool       { return false }
func (f *buildingFunctions) Subscribers(string) []string { return nil }

func (f *buildingFunctions) Built(ctx context.Context, name string) error {
	select {
	case <-time.After(time.Until(f.ready)):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *buildingFunctions) InvokeHook(ctx context.Context, name string, header http.Header, body []byte) (int, http.Header, []byte, error) {
	if err := f.Built(ctx, name); err != nil {
		return 0, nil, nil, err
	}
	f.answered.Add(1)
	return http.StatusNoContent, http.Header{}, nil, nil
}

// A hook attempt's time limit starts once the function is built: production's are
// built before a hook can reach them. A build of five times the limit costs no
// attempt; a caller that gives up during the build still ends the wait.
func TestAFunctionStillBuildingDoesNotUseTheAttemptsTime(t *testing.T) {
	fns := &buildingFunctions{ready: time.Now().Add(500 * time.Millisecond)} // longer than three attempts
	d := &Dispatcher{InstanceID: instance, Secret: "s", Functions: fns, Timeout: 100 * time.Millisecond}
	if _, err := d.Trigger(context.Background(), identity.EventLogin, user()); err != nil {
		t.Fatalf("login hook with a function still building: %v", err)
	}
	if n := fns.answered.Load(); n != 1 {
		t.Errorf("%d answered calls, want the one attempt", n)
	}

	fns.ready = time.Now().Add(time.Hour)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	began := time.Now()
	if _, err := d.Trigger(ctx, identity.EventLogin, user()); err == nil {
		t.Fatal("a caller gone during the build got an answer")
	}
	if took := time.Since(began); took > 250*time.Millisecond {
		t.Errorf("the caller's end took %s to stop the wait for the build", took)
	}
}
