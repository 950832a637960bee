package relyingparty

import (
	"encoding/json"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/problem"
)

// Field names of the forms and the API.
const (
	FieldID                   = "id"
	FieldNameRU               = "name.ru"
	FieldNameEN               = "name.en"
	FieldPurposeRU            = "purpose.ru"
	FieldPurposeEN            = "purpose.en"
	FieldLogoURL              = "logo_url"
	FieldPrivacyURL           = "privacy_url"
	FieldRedirectURIs         = "redirect_uris"
	FieldPostLogoutURIs       = "post_logout_redirect_uris"
	FieldBackchannelLogoutURI = "backchannel_logout_uri"
	FieldScopes               = "scopes"
	FieldMaxLevel             = "max_level"
	FieldSector               = "sector"
	FieldSubjectType          = "subject_type"
	FieldAuthMethod           = "auth_method"
	FieldJWKSURI              = "jwks_uri"
	FieldJWKS                 = "jwks"
)

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{2,63}$`)
	hostPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
)

// Normalize trims what an administrator typed, fills the defaults — the
// sector is the first redirect URI's host, the subject pairwise, the
// method client_secret_basic, the highest level confirmed, openid among
// the scopes — and checks every field. Invalid with a message per field.
func Normalize(c Client) (Client, error) {
	var f problem.Fields
	c.ID = strings.ToLower(strings.TrimSpace(c.ID))
	c.Name = Text{RU: strings.TrimSpace(c.Name.RU), EN: strings.TrimSpace(c.Name.EN)}
	c.Purpose = Text{RU: strings.TrimSpace(c.Purpose.RU), EN: strings.TrimSpace(c.Purpose.EN)}
	c.LogoURL, c.PrivacyURL = strings.TrimSpace(c.LogoURL), strings.TrimSpace(c.PrivacyURL)
	c.BackchannelLogoutURI, c.JWKSURI = strings.TrimSpace(c.BackchannelLogoutURI), strings.TrimSpace(c.JWKSURI)
	c.Sector, c.JWKS = strings.ToLower(strings.TrimSpace(c.Sector)), strings.TrimSpace(c.JWKS)
	c.RedirectURIs, c.PostLogoutURIs = trimAll(c.RedirectURIs), trimAll(c.PostLogoutURIs)

	if !idPattern.MatchString(c.ID) {
		f.Add(FieldID, problem.M("relyingparty.id_format"))
	}
	text := func(field, s string, required bool, limit int) {
		switch {
		case s == "" && required:
			f.Add(field, problem.M("relyingparty.required"))
		case utf8.RuneCountInString(s) > limit:
			f.Add(field, problem.M("relyingparty.too_long", "Max", limit))
		case strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\n' || r == 0x7f }):
			f.Add(field, problem.M("relyingparty.characters"))
		}
	}
	text(FieldNameRU, c.Name.RU, true, MaxNameLength)
	text(FieldNameEN, c.Name.EN, false, MaxNameLength)
	text(FieldPurposeRU, c.Purpose.RU, true, MaxPurpose)
	text(FieldPurposeEN, c.Purpose.EN, false, MaxPurpose)
	webURL := func(field, s string, required bool) {
		if s == "" {
			if required {
				f.Add(field, problem.M("relyingparty.required"))
			}
			return
		}
		if msg := CheckURI(s); msg != "" {
			f.Add(field, problem.M(msg))
		}
	}
	webURL(FieldLogoURL, c.LogoURL, false)
	webURL(FieldPrivacyURL, c.PrivacyURL, true)
	webURL(FieldBackchannelLogoutURI, c.BackchannelLogoutURI, false)
	uris := func(field string, list []string, required bool) {
		switch {
		case len(list) == 0 && required:
			f.Add(field, problem.M("relyingparty.redirect_required"))
		case len(list) > MaxURIs:
			f.Add(field, problem.M("relyingparty.too_many_uris", "Max", MaxURIs))
		}
		for i, u := range list {
			p := field + "[" + strconv.Itoa(i) + "]"
			if msg := CheckURI(u); msg != "" {
				f.Add(p, problem.M(msg))
			} else if slices.Index(list, u) < i {
				f.Add(p, problem.M("relyingparty.uri_duplicate"))
			}
		}
	}
	uris(FieldRedirectURIs, c.RedirectURIs, true)
	uris(FieldPostLogoutURIs, c.PostLogoutURIs, false)

	scopes := []string{ScopeOpenID}
	for _, s := range c.Scopes {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
		case !slices.Contains(Scopes, s):
			f.Add(FieldScopes, problem.M("relyingparty.scope_unknown", "Scope", s, "Scopes", strings.Join(Scopes, ", ")))
		case !slices.Contains(scopes, s):
			scopes = append(scopes, s)
		}
	}
	// In the catalog's order, so that a registration reads the same
	// however it was typed.
	slices.SortFunc(scopes, func(a, b string) int { return slices.Index(Scopes, a) - slices.Index(Scopes, b) })
	c.Scopes = scopes

	if c.MaxLevel == "" {
		c.MaxLevel = account.Confirmed
	}
	if !slices.Contains([]account.Level{account.Simplified, account.Standard, account.Confirmed}, c.MaxLevel) {
		f.Add(FieldMaxLevel, problem.M("relyingparty.level_unknown"))
	}
	if c.SubjectType == "" {
		c.SubjectType = Pairwise
	}
	if c.SubjectType != Pairwise && c.SubjectType != Public {
		f.Add(FieldSubjectType, problem.M("relyingparty.subject_type_unknown"))
	}
	if c.Sector == "" && len(c.RedirectURIs) > 0 {
		if u, err := url.Parse(c.RedirectURIs[0]); err == nil {
			c.Sector = u.Hostname()
		}
	}
	if c.Sector != "" && (len(c.Sector) > 253 || !hostPattern.MatchString(c.Sector) && net.ParseIP(c.Sector) == nil) {
		f.Add(FieldSector, problem.M("relyingparty.sector_format"))
	}

	if c.AuthMethod == "" {
		c.AuthMethod = SecretBasic
	}
	switch c.AuthMethod {
	case SecretBasic, SecretPost:
		c.JWKSURI, c.JWKS = "", ""
	case PrivateKeyJWT:
		switch {
		case c.JWKSURI == "" && c.JWKS == "":
			f.Add(FieldJWKSURI, problem.M("relyingparty.keys_required"))
		case c.JWKSURI != "" && c.JWKS != "":
			f.Add(FieldJWKS, problem.M("relyingparty.keys_both"))
		case c.JWKSURI != "":
			if msg := CheckURI(c.JWKSURI); msg != "" {
				f.Add(FieldJWKSURI, problem.M(msg))
			}
		default:
			if msg := CheckKeys(c.JWKS); msg != "" {
				f.Add(FieldJWKS, problem.M(msg))
			}
		}
		c.SecretHash = nil
	default:
		f.Add(FieldAuthMethod, problem.M("relyingparty.auth_method_unknown"))
	}
	return c, f.Err()
}

func trimAll(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CheckURI checks an address a site registers — a redirect, post-logout,
// back-channel logout, privacy, logo or keys URI — and returns the ID of
// the message that says what is wrong, "" when nothing is. An address is
// compared exactly, so it must be written as it will be sent: https (or
// http to this computer's own loopback, for a site under development and
// the demo), a host in lower case and, for an international domain, in
// its ASCII form (xn--…), no user name, no fragment, no wildcard, no dot
// segments in the path.
func CheckURI(s string) string {
	if len(s) > MaxURILength {
		return "relyingparty.uri_too_long"
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f {
			return "relyingparty.uri_characters"
		}
	}
	if strings.ContainsAny(s, "*#\\") {
		return "relyingparty.uri_fragment"
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.Host == "" || !strings.HasPrefix(s, u.Scheme+"://") {
		return "relyingparty.uri_absolute"
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return "relyingparty.uri_userinfo"
	}
	host := u.Hostname()
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return "relyingparty.uri_host"
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "relyingparty.uri_host"
	}
	loopback := host == "localhost" || host == "127.0.0.1" || host == "::1"
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && loopback:
	default:
		return "relyingparty.uri_https"
	}
	if ip := net.ParseIP(host); ip != nil {
		if strings.Contains(host, ":") != strings.HasPrefix(u.Host, "[") {
			return "relyingparty.uri_host"
		}
	} else if !hostPattern.MatchString(host) || len(host) > 253 {
		return "relyingparty.uri_host"
	}
	for seg := range strings.SplitSeq(u.EscapedPath(), "/") {
		if d, err := url.PathUnescape(seg); err != nil || d == "." || d == ".." {
			return "relyingparty.uri_path"
		}
	}
	return ""
}

// CheckKeys checks a site's keys as a JWK Set (RFC 7517): public keys for
// signatures only, at least one; the ID of a message, "" when they pass.
func CheckKeys(s string) string {
	if len(s) > MaxJWKS {
		return "relyingparty.keys_too_large"
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(s), &set); err != nil || len(set.Keys) == 0 {
		return "relyingparty.keys_format"
	}
	for _, k := range set.Keys {
		if !k.Valid() || !k.IsPublic() || k.Use != "" && k.Use != "sig" {
			return "relyingparty.keys_public"
		}
	}
	return ""
}
