// Package crlhttp fetches certificate revocation lists from their
// distribution points over HTTP for esign: an esign.CRLSource adapter.
//
// It tries the distribution points in order and returns the first CRL
// fetched; only http and https URLs are used (LDAP points are skipped). Each
// request has a timeout and a size cap. Every failure is an *esign.Error
// with Reason CRLUnavailable, so a CA that cannot be reached means "cannot
// check now", never a pass.
//
// crlhttp imports esign and the standard library.
package crlhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/esign"
)

// Defaults for Fetcher's zero fields.
const (
	DefaultTimeout = 10 * time.Second
	DefaultMaxSize = 8 << 20 // accredited CAs' CRLs run to a few megabytes
)

// Fetcher is an esign.CRLSource over HTTP. Its zero value is ready.
type Fetcher struct {
	// Client makes the requests; http.DefaultClient if nil.
	Client *http.Client
	// Timeout bounds each request; DefaultTimeout if zero.
	Timeout time.Duration
	// MaxSize is the largest CRL accepted, in bytes; DefaultMaxSize if zero.
	MaxSize int64
}

var _ esign.CRLSource = (*Fetcher)(nil)

// CRL implements esign.CRLSource. It does not check the CRL: esign does.
func (f *Fetcher) CRL(ctx context.Context, issuer *esign.Certificate, distributionPoints []string) ([]byte, error) {
	var errs []error
	for _, dp := range distributionPoints {
		u, err := url.Parse(dp)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%q is not an http(s) URL", dp))
			continue
		}
		data, err := f.get(ctx, u.String())
		if err == nil {
			return data, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		errs = append(errs, errors.New("the certificate names no CRL distribution point"))
	}
	return nil, &esign.Error{Reason: esign.CRLUnavailable, Detail: "CRL of " + name(issuer), Err: errors.Join(errs...)}
}

func (f *Fetcher) get(ctx context.Context, u string) ([]byte, error) {
	timeout, maxSize, client := f.Timeout, f.MaxSize, f.Client
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	if resp.ContentLength > maxSize {
		return nil, fmt.Errorf("GET %s: %d bytes, more than %d", u, resp.ContentLength, maxSize)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(data)) > maxSize {
		return nil, fmt.Errorf("GET %s: more than %d bytes", u, maxSize)
	}
	return data, nil
}

func name(c *esign.Certificate) string {
	if c == nil {
		return "?"
	}
	if cn := c.X509().Subject.CommonName; cn != "" {
		return cn
	}
	return strings.TrimSpace(c.X509().Subject.String())
}
