// Command identity-signup gives every new user the member role, keeping provider.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

type hookBody struct {
	Event string `json:"event"`
	User  struct {
		Email       string         `json:"email"`
		ConfirmedAt *string        `json:"confirmed_at"`
		AppMetaData map[string]any `json:"app_metadata"`
	} `json:"user"`
}

func handler(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	var body hookBody
	if err := json.Unmarshal([]byte(req.Body), &body); err != nil {
		return events.APIGatewayProxyResponse{StatusCode: 400, Body: err.Error()}, nil
	}
	app := body.User.AppMetaData
	if app == nil {
		app = map[string]any{}
	}
	app["roles"] = []string{"member"}
	app["confirmed_in_payload"] = body.User.ConfirmedAt != nil
	app["signature_header"] = req.Headers["x-webhook-signature"] != ""
	out, _ := json.Marshal(map[string]any{"app_metadata": app})
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(out)}, nil
}

func main() { lambda.Start(handler) }
