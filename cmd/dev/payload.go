package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/invoke"
	"github.com/identity-dev/dev/fixtures"
	"github.com/identity-dev/dev/mockdata"
)

type payloadOptions struct {
	io      streams
	Mock    mockdata.Options
	Schema  bool
	Method  string
	Path    string
	Query   []string
	Headers []string
	Body    string
}

func newPayloadCmd(io streams) *cobra.Command {
	o := &payloadOptions{io: io}
	cmd := &cobra.Command{
		Use:   "payload EVENT",
		Short: "Print a production-shaped payload: identity-validate|signup|login|usermodified|userdeleted, or lambda-event",
		Long: `payload prints what production sends: for identity-* events the exact request body
GoTrue POSTs ({"event","instance_id","user"}, the user as it is at that moment), and for
lambda-event the event a plain function receives. --schema prints the JSON Schema instead.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runPayload(o, args[0]) },
	}
	f := cmd.Flags()
	addMockFlags(cmd, &o.Mock)
	f.BoolVar(&o.Schema, "schema", false, "print the payload's JSON Schema")
	f.StringVar(&o.Method, "method", "GET", "lambda-event: the HTTP method")
	f.StringVar(&o.Path, "path", "/.netlify/functions/hello", "lambda-event: the path")
	f.StringSliceVar(&o.Query, "query", nil, "lambda-event: a query parameter, name=value (repeatable)")
	f.StringArrayVar(&o.Headers, "header", nil, `lambda-event: a header, "Name: value" (repeatable)`)
	f.StringVar(&o.Body, "body", "", "lambda-event: the body")
	return cmd
}

func addMockFlags(cmd *cobra.Command, m *mockdata.Options) {
	f := cmd.Flags()
	f.StringVar(&m.Email, "email", "", "the mock user's email (default jane@example.com)")
	f.StringVar(&m.Name, "name", "", `the mock user's full_name (default "Jane Doe")`)
	f.StringVar(&m.Provider, "provider", "", "the mock user's provider: email (default), github, gitlab, bitbucket, google, facebook")
	f.Int64Var(&m.Seed, "seed", 0, "make ids and times repeatable")
}

func runPayload(o *payloadOptions, name string) error {
	if name == "lambda-event" || name == "lambda" {
		if o.Schema {
			return printSchema(o.io, "lambda-event")
		}
		return printJSON(o.io, lambdaEvent(o))
	}
	event, err := mockdata.ParseEvent(name)
	if err != nil {
		return fmt.Errorf("%w, or lambda-event", err)
	}
	if o.Schema {
		return printSchema(o.io, "identity-"+string(event))
	}
	body, _, err := mockdata.Body(event, o.Mock)
	if err != nil {
		return err
	}
	return printJSON(o.io, body)
}

func lambdaEvent(o *payloadOptions) []byte {
	target := o.Path
	if len(o.Query) > 0 {
		target += "?" + invoke.QueryString(o.Query)
	}
	r := httptest.NewRequest(strings.ToUpper(o.Method), target, strings.NewReader(o.Body))
	r.RemoteAddr, r.Host = "127.0.0.1:52000", "127.0.0.1:8888"
	for _, h := range o.Headers {
		if k, v, ok := strings.Cut(h, ":"); ok {
			r.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	if o.Body != "" && r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return functions.NewEvent(functions.EventRequest{Request: r, Body: []byte(o.Body), BaseURL: "http://127.0.0.1:8888",
		RequestID: "01234567-89ab-4cde-8f01-23456789abcd", Extra: functions.EdgeHeaders(mockdata.InstanceID(o.Mock.Seed))}).JSON()
}

func printSchema(io streams, name string) error {
	b, err := fixtures.Schema(name)
	if err != nil {
		return err
	}
	_, err = io.Out.Write(b)
	return err
}

func printJSON(io streams, b []byte) error {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err := io.Out.Write(out.Bytes())
	return err
}
