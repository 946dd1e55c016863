// Command identity-signup is the demo's signup function written in Go: it adds the
// member role and keeps the rest of app_metadata (provider included).
//
//	go run ./cmd/dev serve --dir examples/demo-site --functions netlify/functions-go
package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

type hook struct {
	Event string `json:"event"`
	User  struct {
		Email       string         `json:"email"`
		AppMetaData map[string]any `json:"app_metadata"`
	} `json:"user"`
}

func handler(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	var h hook
	if err := json.Unmarshal([]byte(req.Body), &h); err != nil {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusBadRequest}, nil
	}
	app := h.User.AppMetaData
	if app == nil {
		app = map[string]any{}
	}
	var roles []string
	if existing, ok := app["roles"].([]any); ok {
		for _, r := range existing {
			if s, ok := r.(string); ok {
				roles = append(roles, s)
			}
		}
	}
	if !slices.Contains(roles, "member") {
		roles = append(roles, "member")
	}
	app["roles"] = roles
	body, err := json.Marshal(map[string]any{"app_metadata": app})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: string(body)}, nil
}

func main() { lambda.Start(handler) }
