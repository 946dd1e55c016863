// Package suggest finds the name a person probably meant, for "did you mean".
package suggest

import "strings"

// Nearest is the name among names closest to name, for "did you mean": within an
// edit distance of a third of its length (at least 2), as cargo and gh suggest.
func Nearest(name string, names []string) string {
	best, bestD := "", len(name)/3
	if bestD < 2 {
		bestD = 2
	}
	for _, n := range names {
		if d := distance(strings.ToLower(name), strings.ToLower(n)); d <= bestD && (best == "" || d < distance(strings.ToLower(name), strings.ToLower(best))) {
			best = n
		}
	}
	return best
}

// distance is Levenshtein's edit distance.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
