package devserver

import (
	"os"
	"path/filepath"
	"testing"
)

// Editing the site's go.mod (here, pointing a replace at another copy of a module, as
// go get or a version bump changes what is built) rebuilds the Go functions that use it.
func TestGoModEditRebuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building real Go functions")
	}
	requireNode(t)
	dir := copySite(t, "functions")
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []string{"one", "two"} {
		write("greet-"+v+"/go.mod", "module example.com/greet\n\ngo 1.26\n")
		write("greet-"+v+"/greet.go", "package greet\n\nconst Text = \"greeting "+v+"\"\n")
	}
	write("netlify/functions/greet-go/main.go", `package main

import (
	"context"

	"example.com/greet"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, events.APIGatewayProxyRequest) (*events.APIGatewayProxyResponse, error) {
		return &events.APIGatewayProxyResponse{StatusCode: 200, Body: greet.Text}, nil
	})
}
`)
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	base := string(gomod) + "\nrequire example.com/greet v0.0.0\n"
	write("go.mod", base+"\nreplace example.com/greet => ./greet-one\n")
	srv, _ := startSiteIn(t, dir, Options{})
	waitForBody(t, srv, "greet-go", "greeting one")
	write("go.mod", base+"\nreplace example.com/greet => ./greet-two\n")
	waitForBody(t, srv, "greet-go", "greeting two")
}
