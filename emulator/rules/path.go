package rules

import "strings"

// matchPath matches a request path against a rule's path, binding ":name" segments and the
// splat in params. A trailing slash is ignored on both sides; case matters; ":name" matches
// one whole non-empty segment; a final "*" matches the rest, also nothing ("/blog/*" matches
// "/blog"), and "/blog*" the rest from within the segment.
func matchPath(pattern, path string, params map[string]string) bool {
	want, got := segments(pattern), segments(path)
	n := len(want)
	if n == 0 || !strings.HasSuffix(want[n-1], "*") {
		return len(got) == n && matchSegments(want, got, params)
	}
	prefix := strings.TrimSuffix(want[n-1], "*")
	if prefix == "" { // standalone "*": the splat is the segments after the others
		if len(got) < n-1 || !matchSegments(want[:n-1], got[:n-1], params) {
			return false
		}
		params["splat"] = strings.Join(got[n-1:], "/")
		return true
	}
	if len(got) < n || !matchSegments(want[:n-1], got[:n-1], params) || !strings.HasPrefix(got[n-1], prefix) {
		return false
	}
	params["splat"] = strings.Join(append([]string{strings.TrimPrefix(got[n-1], prefix)}, got[n:]...), "/")
	return true
}

// segments splits a path into its segments, without the leading and trailing slashes:
// "/" has none, "/a/b/" has "a" and "b".
func segments(path string) []string {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

func matchSegments(want, got []string, params map[string]string) bool {
	for i, w := range want {
		if name, ok := strings.CutPrefix(w, ":"); ok && name != "" {
			if got[i] == "" {
				return false
			}
			params[name] = got[i]
			continue
		}
		if w != got[i] {
			return false
		}
	}
	return true
}
