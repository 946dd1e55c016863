// Command hello-go is a Go function: it echoes the event and the Netlify client context.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func handler(ctx context.Context, req events.APIGatewayProxyRequest) (*events.APIGatewayProxyResponse, error) {
	netlify := map[string]any{}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		if raw, err := base64.StdEncoding.DecodeString(lc.ClientContext.Custom["netlify"]); err == nil {
			_ = json.Unmarshal(raw, &netlify)
		}
	}
	body, _ := json.Marshal(map[string]any{"path": req.Path, "method": req.HTTPMethod, "query": req.QueryStringParameters, "body": req.Body, "netlify": netlify})
	return &events.APIGatewayProxyResponse{
		StatusCode:        200,
		Headers:           map[string]string{"Content-Type": "application/json"},
		MultiValueHeaders: map[string][]string{"X-Multi": {"a", "b"}},
		Body:              string(body),
	}, nil
}

func main() { lambda.Start(handler) }
