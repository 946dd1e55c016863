package invoke

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/identity-dev/dev/fixtures"
)

const instance = "9b1c2d3e-4f50-4172-8394-a5b6c7d8e9f0"

const userJSON = `{"id":"775a5344-0c6d-4dc6-9ac7-d2d646e071ec","aud":"","role":"","email":"jane@example.com","confirmation_sent_at":"2026-11-28T06:30:46Z","app_metadata":{"provider":"email"},"user_metadata":{"full_name":"Jane"},"created_at":"2026-11-28T06:30:46Z","updated_at":"2026-11-28T06:30:46Z"}`

func TestEachPayloadFormIsRecognisedAndWrapped(t *testing.T) {
	hookBody := `{"event":"signup","instance_id":"` + instance + `","user":` + userJSON + `}`
	lambda, _ := json.Marshal(map[string]any{"httpMethod": "POST", "path": "/.netlify/functions/identity-signup", "body": hookBody, "isBase64Encoded": false})
	lambda64, _ := json.Marshal(map[string]any{"httpMethod": "POST", "body": base64.StdEncoding.EncodeToString([]byte(hookBody)), "isBase64Encoded": true})
	entry, _ := json.Marshal(map[string]any{"id": "e1", "kind": "hook", "request": map[string]any{"method": "POST", "body": []byte(hookBody)}})
	for name, tc := range map[string]struct {
		raw, kind string
	}{
		"hook body":        {hookBody, KindHookBody},
		"bare user":        {userJSON, KindUser},
		"journal entry":    {string(entry), KindJournalEntry},
		"lambda event":     {string(lambda), KindLambdaEvent},
		"base64 lambda":    {string(lambda64), KindLambdaEvent},
		"pretty hook body": {"{\n  \"event\": \"signup\",\n  \"instance_id\": \"" + instance + "\",\n  \"user\": " + userJSON + "\n}", KindHookBody},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := readHookPayload([]byte(tc.raw), "signup", instance)
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != tc.kind || len(p.Warnings) != 0 || p.User.Email != "jane@example.com" {
				t.Fatalf("kind %q, warnings %v, user %+v", p.Kind, p.Warnings, p.User)
			}
			if string(p.Body) != hookBody {
				t.Fatalf("body\n%s\nwant\n%s", p.Body, hookBody)
			}
			if err := fixtures.Validate("identity-signup", p.Body); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNetlifyCLIMockIsAcceptedWithWarnings(t *testing.T) {
	cli := `{"event":"signup","user":{"id":"1111a1a1-a11a-1111-aa11-aaa11111a11a","aud":"","role":"","email":"foo@trust-this-company.com","app_metadata":{"provider":"email"},"user_metadata":{"full_name":"Test Person"},"created_at":"2026-11-28T06:30:46Z","update_at":"2026-11-28T06:30:46Z"}}`
	p, err := readHookPayload([]byte(cli), "signup", instance)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(p.Warnings, "\n")
	for _, want := range []string{"no instance_id: production always sends the instance's UUID; dev added " + instance, `"update_at", which production never sends (production sends "updated_at"`, `"updated_at" is missing`} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings\n%s\nlack %q", all, want)
		}
	}
	if p.Kind != KindCLIMock || !strings.HasPrefix(string(p.Body), `{"event":"signup","instance_id":"`+instance+`","user":{`) {
		t.Fatalf("%s %s", p.Kind, p.Body)
	}
}

func TestPayloadForAnotherMomentIsWarned(t *testing.T) {
	confirmed := strings.Replace(userJSON, `"confirmation_sent_at"`, `"confirmed_at":"2026-11-28T06:31:00Z","confirmation_sent_at"`, 1)
	p, err := readHookPayload([]byte(confirmed), "validate", instance)
	if err != nil {
		t.Fatal(err)
	}
	if all := strings.Join(p.Warnings, "\n"); !strings.Contains(all, `"confirmed_at": production never sends it to identity-validate`) {
		t.Fatalf("warnings %v", p.Warnings)
	}
	p, _ = readHookPayload([]byte(userJSON), "login", instance)
	if all := strings.Join(p.Warnings, "\n"); !strings.Contains(all, `no "confirmed_at": production sends it to identity-login`) {
		t.Fatalf("warnings %v", p.Warnings)
	}
}

func TestUnreadablePayloads(t *testing.T) {
	for raw, want := range map[string]string{
		`[1,2]`:     "not a JSON object",
		`{"foo":1}`: "none of",
		`{"event":"signup","instance_id":"x","user":5}`: "not a user object",
	} {
		if _, err := readHookPayload([]byte(raw), "signup", instance); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", raw, err)
		}
	}
}
