// Command crash-go fails in the way the query asks.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	switch req.QueryStringParameters["how"] {
	case "error":
		return events.APIGatewayProxyResponse{}, errors.New("failed on purpose")
	case "panic":
		panic("panicked on purpose")
	case "exit":
		os.Exit(9)
	}
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: "survived"}, nil
}

func main() { lambda.Start(handler) }
