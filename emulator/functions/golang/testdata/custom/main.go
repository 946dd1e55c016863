// custom is a bootstrap that speaks the Runtime API by hand, as a custom runtime would:
// with INIT=fail it reports an init error, with INIT=hang it never becomes ready.
package main

import (
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/"
	switch os.Getenv("INIT") {
	case "fail":
		body := `{"errorMessage":"no config","errorType":"Runtime.InitError"}`
		resp, err := http.Post(api+"init/error", "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != http.StatusAccepted {
			os.Exit(2)
		}
		time.Sleep(time.Minute) // Lambda stops it
	case "hang":
		time.Sleep(time.Minute)
	}
}
