package oidcop_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// redirectVariants are addresses a site did not register, made from the
// one it did: case, slashes, paths, queries, fragments, user info, ports,
// hosts that merely contain or resemble it, encodings, and the usual
// open-redirect tricks.
func redirectVariants(registered string) []string {
	u, _ := url.Parse(registered)
	host, path := u.Host, u.Path
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	// Case and scheme.
	add(strings.ToUpper(registered), "HTTP://"+host+path, "Http://"+host+path, "https://"+host+path, "ftp://"+host+path,
		"javascript://"+host+path, "data:text/html,"+host, "//"+host+path, host+path, "http:"+host+path, "http:/"+host+path,
		"http:///"+host+path, "http:\\\\"+host+path, "http://"+strings.ToUpper(host)+path, "http://"+host+strings.ToUpper(path))
	// Paths.
	for _, p := range []string{path + "/", path + "//", path + "/x", path + "x", path + ".", path + "/..", path + "/../cb", "/cb/../cb",
		path + "%2F", path + "%2f..%2f", path + ";x", path + "?", path + "#", path + "#x", path + "?#", path + "%00", path + "%20",
		path + " ", path + "\t", path + "%0d%0aSet-Cookie:x", "/CB", "/Cb", path[:len(path)-1], "/", "", path + path, "/./cb", "/cb/.",
		path + "\\", path + "%5c", path + "@evil.example", path + "/@evil.example", path + "?next=https://evil.example", path + "/https://evil.example"} {
		add("http://" + host + p)
	}
	// Queries and fragments.
	for _, q := range []string{"?", "?a", "?a=1", "?code=stolen", "?state=x", "?redirect_uri=https://evil.example", "?&", "?%00",
		"#", "#a", "#code=x", "?a=1#b", "?cb", "?" + strings.Repeat("a", 300)} {
		add(registered + q)
	}
	// User info, hosts and ports.
	for _, h := range []string{"evil.example@" + host, "user@" + host, "user:pass@" + host, host + "@evil.example", host + ".evil.example",
		"evil.example", "evil.example#@" + host, "evil.example?@" + host, "evil.example\\@" + host, host + "%40evil.example", host + "%2F@evil.example",
		"127.0.0.1", "127.0.0.1:80", "127.0.0.1:90", "127.0.0.1:9.", "127.0.0.1:09", "127.0.0.1:0009", "127.0.0.1:+9", "127.0.0.2:9", "127.1:9",
		"2130706433:9", "0x7f000001:9", "0177.0.0.1:9", "[::1]:9", "[::ffff:127.0.0.1]:9", "localhost:9", "LOCALHOST:9", "127.0.0.1.:9",
		"127.0.0.1:9:9", "127.0.0.1: 9", " 127.0.0.1:9", "127.0.0.1%2e:9", "ⅼocalhost:9", "127。0。0。1:9", "xn--localhost-9:9"} {
		add("http://" + h + path)
	}
	// Encodings of the whole address and of its parts.
	add(url.QueryEscape(registered), strings.ReplaceAll(registered, "/", "%2F"), strings.ReplaceAll(registered, ":", "%3A"),
		strings.ReplaceAll(registered, ".", "%2E"), strings.ReplaceAll(registered, "c", "%63"), strings.ReplaceAll(registered, "b", "%62"),
		strings.ReplaceAll(registered, "http", "hxxp"), registered+"\x00", "\x00"+registered, " "+registered, registered+" ",
		registered+"\n", registered+"\r\n", strings.ReplaceAll(registered, "/", "\\"), strings.ReplaceAll(registered, "//", "/\\"),
		strings.Replace(registered, "://", ":/\\/", 1), strings.Replace(registered, "://", "://\u200b", 1), strings.Replace(registered, "cb", "сb", 1))
	// Combinations: each path trick on each nearby host.
	for _, h := range []string{host, "127.0.0.1:8", "127.0.0.1:10", "127.0.0.1:19", "127.0.0.1:90", "localhost:9", "[::1]:9", "evil.example",
		"evil.example:9", host + ".evil.example", "evil.example@" + host, "127.0.0.1:9@evil.example", "127.0.0.1", "0.0.0.0:9", "127.0.0.01:9"} {
		for _, p := range []string{"/cb/", "/cb2", "/c", "/cb?x", "/cb#x", "/cB", "//cb", "/cb/..", "/%63b", "/cb%23", "/cb%3F", "/cb;", "/cb.json",
			"/cb/callback", "/callback", "/cb%2F", "/cb%2e", "/cb ", "/cb?redirect=https://evil.example", "/./cb", "/a/../cb", "/cb//", "/CB", "/cb~", "/cb!"} {
			for _, scheme := range []string{"http://", "https://"} {
				if v := scheme + h + p; v != registered {
					add(v)
				}
			}
		}
	}
	// Every prefix and one-character extension of the registered address.
	for i := 1; i < len(registered); i++ {
		add(registered[:i])
	}
	for _, c := range "/?#.;:@%\\-_~!$&'()*+,=aZ0 " {
		add(registered + string(c))
	}
	return out
}

// redirectNowhere (issue 15 §5): of hundreds of addresses near a
// registered redirect URI, none is ever redirected to — the provider
// answers with a page of its own, or at the registered address — and so
// no code or error reaches an address the site did not register.
func redirectNowhere(t *testing.T, r *rig) {
	variants := redirectVariants(callback)
	if len(variants) < 500 {
		t.Fatalf("only %d variants", len(variants))
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, v := range variants {
		if v == callback {
			continue
		}
		u := r.conf.AuthCodeURL("st", oauth2.S256ChallengeOption("v"), oauth2.SetAuthURLParam("redirect_uri", v))
		res, err := hc.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc := res.Header.Get("Location")
		if loc == "" {
			continue
		}
		// A redirect is only to kabinet's own login page or to the
		// registered address (which the library may pick for an error).
		if !strings.HasPrefix(loc, "/login?") && !strings.HasPrefix(loc, callback+"?") {
			t.Errorf("%q: redirected to %q", v, loc)
		}
		if strings.HasPrefix(loc, "/login?") {
			t.Errorf("%q: accepted as the redirect URI", v)
		}
	}
	t.Logf("%d variants, none redirected to", len(variants))
}
