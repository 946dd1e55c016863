package payload

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCheckJSONSaysWhere(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"{\n  \"event\": \"signup\",\n  \"user\": {\"email\": \"a@b.c\",}\n}", "p.json:3:29: not JSON: invalid character '}'"},
		{"email=a@b.c", "p.json:1:1: not JSON: invalid character 'e'"},
		{"{\"a\": 1", "p.json:1:7: not JSON: unexpected end of JSON input"},
		{"  \n ", "p.json is empty"},
	} {
		err := CheckJSON("p.json", []byte(c.raw))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("CheckJSON(%q) = %v, want %q…", c.raw, err, c.want)
		}
	}
	if err := CheckJSON("p.json", []byte(`{"email":"a@b.c"}`)); err != nil {
		t.Fatal(err)
	}
}

// What dev payload prints, dev invoke takes: JSON with production's keys.
func TestPayloadsAreJSON(t *testing.T) {
	for _, name := range Names() {
		var b []byte
		var err error
		if name == LambdaEvent {
			b, err = Lambda(Request{Method: "POST", Path: "/.netlify/functions/hello", Query: []string{"a=1"}, Body: "{}"}, 7)
		} else {
			b, err = Hook(name, Mock{Seed: 7})
		}
		if err != nil || !json.Valid(b) {
			t.Fatalf("%s: %v %s", name, err, b)
		}
		if _, err := Schema(name); err != nil {
			t.Fatalf("schema of %s: %v", name, err)
		}
	}
	if _, err := Hook("identity-sigup", Mock{}); err == nil || !strings.Contains(err.Error(), "lambda-event") {
		t.Fatalf("a bad name: %v", err)
	}
}
