// hello is a Go function whose behaviour depends on the request path, so one build
// serves every test of the runtime.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func handler(ctx context.Context, req events.APIGatewayProxyRequest) (*events.APIGatewayProxyResponse, error) {
	// Called directly, the path is the case; over HTTP, the rest after the function's URL.
	switch strings.TrimPrefix(req.Path, "/.netlify/functions/hello") {
	case "/context":
		return jsonResponse(contextReport(ctx))
	case "/deadline":
		d, ok := ctx.Deadline()
		return jsonResponse(map[string]any{"deadline": d.UnixMilli(), "ok": ok})
	case "/echo":
		return jsonResponse(req)
	case "/error":
		return nil, errors.New("boom")
	case "/panic":
		panic("kaboom")
	case "/exit":
		fmt.Fprintln(os.Stderr, "exiting with 3")
		os.Exit(3)
	case "/sleep":
		fmt.Println("sleeping") // the invocation is in hand
		time.Sleep(time.Minute)
	case "/spawn":
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		child := exec.Command(self)
		child.Env = []string{"HELLO_CHILD=1"}
		if err := child.Start(); err != nil {
			return nil, err
		}
		return jsonResponse(map[string]int{"pid": child.Process.Pid})
	case "/log":
		fmt.Println("to stdout")
		log.Print("to stderr")
		fmt.Print("no newline at the end")
	case "/big":
		n, err := strconv.Atoi(req.QueryStringParameters["n"])
		if err != nil {
			n = 7 << 20
		}
		return &events.APIGatewayProxyResponse{StatusCode: 200, Body: strings.Repeat("x", n)}, nil
	}
	return &events.APIGatewayProxyResponse{
		StatusCode:        200,
		Headers:           map[string]string{"Content-Type": "text/plain", "X-Hello": "world"},
		MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}},
		Body:              base64.StdEncoding.EncodeToString([]byte("hello")),
		IsBase64Encoded:   true,
	}, nil
}

// contextReport is what the function can see of its invocation and environment.
func contextReport(ctx context.Context) map[string]any {
	lc, _ := lambdacontext.FromContext(ctx)
	netlify, _ := base64.StdEncoding.DecodeString(lc.ClientContext.Custom["netlify"])
	return map[string]any{
		"netlify":      string(netlify),
		"env":          lc.ClientContext.Env,
		"requestId":    lc.AwsRequestID,
		"arn":          lc.InvokedFunctionArn,
		"functionName": lambdacontext.FunctionName,
		"memory":       lambdacontext.MemoryLimitInMB,
		"version":      lambdacontext.FunctionVersion,
		"region":       os.Getenv("AWS_REGION"),
		"taskRoot":     os.Getenv("LAMBDA_TASK_ROOT"),
		"handler":      os.Getenv("_HANDLER"),
		"serverPort":   os.Getenv("_LAMBDA_SERVER_PORT"),
		"zone":         time.Now().Location().String(),
		"custom":       os.Getenv("MY_SETTING"),
	}
}

func jsonResponse(v any) (*events.APIGatewayProxyResponse, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &events.APIGatewayProxyResponse{StatusCode: 200, Body: string(b)}, nil
}

func main() {
	if os.Getenv("HELLO_CHILD") != "" { // started by /spawn
		time.Sleep(5 * time.Minute)
		return
	}
	lambda.Start(handler)
}
