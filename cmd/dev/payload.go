package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/payload"
	"github.com/identity-dev/dev/emulator/site"
)

// PayloadOptions are dev payload's.
type PayloadOptions struct {
	IO      streams
	Mock    payload.Mock
	Schema  bool
	Request payload.Request
}

func newCmdPayload(f *factory) *cobra.Command {
	o := &PayloadOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "payload EVENT",
		Short: "Print a production-shaped payload: identity-validate|signup|login|usermodified|userdeleted, or lambda-event",
		Long: `payload prints what production sends: for identity-* events the exact request body
GoTrue POSTs ({"event","instance_id","user"}, the user as it is at that moment), and for
lambda-event the event a plain function receives. --schema prints the JSON Schema instead.`,
		Example: `  dev payload identity-signup > p.json && dev invoke identity-signup --payload p.json
  dev payload identity-login --email ann@example.com --provider github --seed 7
  dev payload lambda-event --method POST --path /.netlify/functions/hello --body '{"a":1}'
  dev payload identity-validate --schema`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: payload.Names(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				fmt.Fprintf(o.IO.Out, "Name a payload: dev payload EVENT, where EVENT is one of\n  %s\n", strings.Join(payload.Names(), "\n  "))
				return nil
			}
			return runPayload(o, args[0])
		},
	}
	fl := cmd.Flags()
	addMockFlags(cmd, &o.Mock)
	fl.BoolVar(&o.Schema, "schema", false, "print the payload's JSON Schema")
	fl.StringVar(&o.Request.Method, "method", "GET", "lambda-event: the HTTP method")
	fl.StringVar(&o.Request.Path, "path", "/.netlify/functions/hello", "lambda-event: the path")
	fl.StringSliceVar(&o.Request.Query, "query", nil, "lambda-event: a query parameter, name=value (repeatable)")
	fl.StringArrayVar(&o.Request.Headers, "header", nil, `lambda-event: a header, "Name: value" (repeatable)`)
	fl.StringVar(&o.Request.Body, "body", "", "lambda-event: the body")
	return cmd
}

func addMockFlags(cmd *cobra.Command, m *payload.Mock) {
	f := cmd.Flags()
	f.StringVar(&m.Email, "email", "", "the mock user's email (default jane@example.com)")
	f.StringVar(&m.Name, "name", "", `the mock user's full_name (default "Jane Doe")`)
	f.StringVar(&m.Provider, "provider", "", "the mock user's provider: email (default), github, gitlab, bitbucket, google, facebook")
	f.Int64Var(&m.Seed, "seed", 0, "make ids and times repeatable")
	cmd.RegisterFlagCompletionFunc("provider", completeFixed(append([]string{"email"}, site.Providers...)...))
}

func runPayload(o *PayloadOptions, name string) error {
	if o.Schema {
		b, err := payload.Schema(name)
		if err != nil {
			return err
		}
		_, err = o.IO.Out.Write(b)
		return err
	}
	var b []byte
	var err error
	if name == payload.LambdaEvent || name == "lambda" {
		b, err = payload.Lambda(o.Request, o.Mock.Seed)
	} else {
		b, err = payload.Hook(name, o.Mock)
	}
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = o.IO.Out.Write(out.Bytes())
	return err
}
