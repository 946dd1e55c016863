package identity

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const defaultPerPage = 50

// pageParams reads page (1-based) and per_page.
func pageParams(r *http.Request) (Page, error) {
	q := r.URL.Query()
	p := Page{Number: 1, PerPage: defaultPerPage}
	if v := q.Get("page"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return p, badRequest("Bad Pagination Parameters: %v", err)
		}
		p.Number = int(n)
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return p, badRequest("Bad Pagination Parameters: %v", err)
		}
		p.PerPage = int(n)
	}
	if p.Number < 1 {
		p.Number = 1
	}
	if p.PerPage < 1 {
		p.PerPage = defaultPerPage
	}
	return p, nil
}

// addPaginationHeaders sets X-Total-Count and Link (next, then last) built from the
// request URI as GoTrue sees it: in production behind Netlify's proxy, without the
// /.netlify/identity prefix.
func addPaginationHeaders(w http.ResponseWriter, r *http.Request, p Page, total int) {
	last := (total + p.PerPage - 1) / p.PerPage
	u := url.URL{Path: r.URL.Path}
	query := r.URL.Query()
	var links []string
	if last > p.Number {
		query.Set("page", strconv.Itoa(p.Number+1))
		u.RawQuery = query.Encode()
		links = append(links, fmt.Sprintf("<%s>; rel=\"next\"", u.String()))
	}
	if p.Number > 1 {
		query.Set("page", strconv.Itoa(p.Number-1))
		u.RawQuery = query.Encode()
		links = append(links, fmt.Sprintf("<%s>; rel=\"prev\"", u.String()))
	}
	query.Set("page", strconv.Itoa(last))
	u.RawQuery = query.Encode()
	links = append(links, fmt.Sprintf("<%s>; rel=\"last\"", u.String()))
	w.Header().Set("Link", strings.Join(links, ", "))
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
}

// sortParams reads sort=created_at asc|desc, the only field GoTrue sorts users by.
// Every sort value is checked; the first decides, as the first ORDER BY term would.
func sortParams(r *http.Request) (ascending bool, err error) {
	values, ok := r.URL.Query()["sort"]
	if !ok {
		return false, nil
	}
	for i, v := range values {
		parts := strings.Split(v, " ")
		if parts[0] != "created_at" {
			return false, badRequest("Bad Sort Parameters: bad field for sort '%s'", parts[0])
		}
		asc := false
		if len(parts) == 2 {
			switch strings.ToLower(parts[1]) {
			case "asc":
				asc = true
			case "desc":
			default:
				return false, badRequest("Bad Sort Parameters: bad direction for sort '%s', only 'asc' and 'desc' allowed", parts[1])
			}
		}
		if i == 0 {
			ascending = asc
		}
	}
	return ascending, nil
}
