package golang

import (
	"debug/buildinfo"
	"strconv"
	"strings"
)

const lambdaModule = "github.com/aws/aws-lambda-go"

// binaryTraits is what a function binary's build info tells about how to run it.
type binaryTraits struct {
	// rpcOnly: built with an aws-lambda-go before v1.18.0, which knows only the
	// _LAMBDA_SERVER_PORT protocol. Without that variable it does not fail: it listens
	// on a random port and waits forever, so it must be recognized before it starts.
	rpcOnly bool
	// noRPC: built with -tags lambda.norpc, so it knows only the Runtime API.
	noRPC bool
}

func readBinaryTraits(binary string) binaryTraits {
	var t binaryTraits
	info, err := buildinfo.ReadFile(binary)
	if err != nil {
		return t
	}
	for _, s := range info.Settings {
		if s.Key == "-tags" && hasTag(s.Value, "lambda.norpc") {
			t.noRPC = true
		}
	}
	for _, d := range info.Deps {
		if d.Path != lambdaModule {
			continue
		}
		v := d.Version
		if d.Replace != nil {
			v = d.Replace.Version // "" for a local folder: unknown
		}
		t.rpcOnly = v != "" && versionBefore(v, 1, 18)
	}
	return t
}

func hasTag(tags, tag string) bool {
	for _, t := range strings.Split(tags, ",") {
		if t == tag {
			return true
		}
	}
	return false
}

// versionBefore reports whether module version v (vMAJOR.MINOR.PATCH…) is below major.minor.
func versionBefore(v string, major, minor int) bool {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma < major || (ma == major && mi < minor)
}
