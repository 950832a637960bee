package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// page is parsed HTML with the few lookups the tests need.
type page struct {
	t    *testing.T
	root *html.Node
}

func parse(t *testing.T, body string) page {
	t.Helper()
	n, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return page{t: t, root: n}
}

func (p page) find(match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(p.root)
	return out
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, c string) bool {
	for _, f := range strings.Fields(attr(n, "class")) {
		if f == c {
			return true
		}
	}
	return false
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// byID returns the element with an id, failing the test when absent.
func (p page) byID(id string) *html.Node {
	p.t.Helper()
	l := p.find(func(n *html.Node) bool { return attr(n, "id") == id })
	if len(l) != 1 {
		p.t.Fatalf("%d elements with id %q", len(l), id)
	}
	return l[0]
}

func (p page) has(id string) bool {
	return len(p.find(func(n *html.Node) bool { return attr(n, "id") == id })) > 0
}

// textOf returns the text of the first element with a class.
func (p page) textOf(class string) string {
	l := p.find(func(n *html.Node) bool { return hasClass(n, class) })
	if len(l) == 0 {
		return ""
	}
	return text(l[0])
}

func (p page) h1() string {
	l := p.find(func(n *html.Node) bool { return n.Data == "h1" })
	if len(l) == 0 {
		return ""
	}
	return text(l[0])
}

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }

func newFormRequest(u string, v url.Values) (*http.Request, error) {
	req, err := http.NewRequest("POST", u, strings.NewReader(v.Encode()))
	if err == nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req, err
}
