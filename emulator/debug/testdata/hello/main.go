// hello is the Go function the debug tests stop in: its handler keeps the request
// body in a local variable, payload, for a breakpoint to read. A body "panic" crashes it.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(ctx context.Context, req events.APIGatewayProxyRequest) (*events.APIGatewayProxyResponse, error) {
	payload := req.Body
	if payload == "panic" {
		panic("kaboom") // the process exits after answering with the error
	}
	return &events.APIGatewayProxyResponse{StatusCode: 200, Body: "got " + payload}, nil // breakpoint line
}

func main() {
	lambda.Start(handler)
}
