package fakegithub

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Page sizes of GitHub's list endpoints.
const (
	defaultPerPage = 30
	maxPerPage     = 100
)

// pageWindow is the slice [start, end) of a list that one page shows.
type pageWindow struct {
	start, end int
	page, last int
	perPage    int
	ex         *exchange
	baseURL    string
}

// paginate reads page and per_page as GitHub does: values that are not
// positive numbers fall back to the defaults and per_page is capped at 100.
func (s *Server) paginate(ex *exchange, total int) pageWindow {
	query := ex.r.URL.Query()
	perPage := positiveOr(query.Get("per_page"), defaultPerPage)
	perPage = min(perPage, maxPerPage)
	page := positiveOr(query.Get("page"), 1)
	last := max(1, (total+perPage-1)/perPage)
	start := min(total, (page-1)*perPage)
	end := min(total, start+perPage)
	return pageWindow{
		start: start, end: end, page: page, last: last, perPage: perPage,
		ex: ex, baseURL: strings.TrimSuffix(s.URL(), "/"),
	}
}

func positiveOr(value string, fallback int) int {
	n, err := strconv.Atoi(value)
	if err != nil || n <= 0 {
		return fallback
	}
	return n
}

// setLink adds the Link header with the next, last, first and prev pages
// that exist, as GitHub does.
func (p pageWindow) setLink(h http.Header) {
	var links []string
	if p.page < p.last {
		links = append(links, p.link(p.page+1, "next"), p.link(p.last, "last"))
	}
	if p.page > 1 {
		links = append(links, p.link(1, "first"), p.link(min(p.page-1, p.last), "prev"))
	}
	if len(links) > 0 {
		h.Set("Link", strings.Join(links, ", "))
	}
}

func (p pageWindow) link(page int, rel string) string {
	query := p.ex.r.URL.Query()
	query.Set("page", strconv.Itoa(page))
	query.Set("per_page", strconv.Itoa(p.perPage))
	return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, p.baseURL, p.ex.r.URL.Path, query.Encode(), rel)
}
