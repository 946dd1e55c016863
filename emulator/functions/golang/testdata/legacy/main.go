// legacy stands for a binary that knows only the _LAMBDA_SERVER_PORT RPC protocol and
// says so when that variable is missing; with it, it serves net/rpc.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if req.Path == "/panic" {
		panic("legacy kaboom")
	}
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: "legacy"}, nil
}

func main() {
	if os.Getenv("_LAMBDA_SERVER_PORT") == "" {
		log.Fatal("expected AWS Lambda environment variables [_LAMBDA_SERVER_PORT] are not defined")
	}
	lambda.Start(handler)
}
