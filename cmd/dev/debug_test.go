package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/devapi"
)

func TestDebugConfigurations(t *testing.T) {
	dir := invokeSite(t)
	out, _, err := runCmd(t, "debug", "vscode", "--dir", dir, "identity-signup", "echo")
	var cfg struct {
		Configurations []struct {
			Name, Type, Request, Address string
			Port                         int
			SourceMaps                   bool
		}
	}
	if err != nil || json.Unmarshal([]byte(out), &cfg) != nil || len(cfg.Configurations) != 2 {
		t.Fatalf("%v\n%s", err, out)
	}
	// Ports in function-name order, as dev serve --debug gives them.
	if c := cfg.Configurations[0]; c.Name != "dev: echo (JS)" || c.Port != 9229 || c.Type != "node" || c.Request != "attach" || !c.SourceMaps {
		t.Fatalf("%+v", c)
	}
	if cfg.Configurations[1].Port != 9230 {
		t.Fatalf("%+v", cfg.Configurations[1])
	}
	if _, _, err := runCmd(t, "debug", "vscode", "--dir", dir, "nope"); err == nil || !strings.Contains(err.Error(), `no function "nope"`) {
		t.Fatalf("unknown function: %v", err)
	}
	if _, _, err := runCmd(t, "debug", "vscode", "--dir", dir); err == nil || !strings.Contains(err.Error(), "name the functions") {
		t.Fatalf("no names and no server: %v", err)
	}
	// A running dev serve's own addresses win.
	url := serveSite(t, dir)
	remove, err := devapi.WriteState(dir, devapi.State{URL: url, Debug: []devapi.DebugTarget{{Function: "echo", Runtime: "js", Addr: "127.0.0.1:9555", Source: "netlify/functions/echo.js"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	out, _, err = runCmd(t, "debug", "dlv", "--dir", dir)
	if err != nil || !strings.Contains(out, "127.0.0.1:9555") || !strings.Contains(out, "echo") {
		t.Fatalf("%v\n%s", err, out)
	}
}
