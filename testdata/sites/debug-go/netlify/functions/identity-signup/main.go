// Command identity-signup is the Go signup function the debugging test stops in.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	payload := req.Body
	var hook struct {
		User struct {
			AppMetaData map[string]any `json:"app_metadata"`
		} `json:"user"`
	}
	if err := json.Unmarshal([]byte(payload), &hook); err != nil {
		return events.APIGatewayProxyResponse{StatusCode: 400}, nil
	}
	app := hook.User.AppMetaData
	app["roles"] = []string{"debugged-in-go"} // BREAK
	body, _ := json.Marshal(map[string]any{"app_metadata": app})
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(body)}, nil
}

func main() { lambda.Start(handler) }
