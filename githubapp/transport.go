package githubapp

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
)

// newBaseTransport returns the HTTP transport for GitHub calls, with the
// configured proxy and extra certificate authorities.
func newBaseTransport(opts Options) (*http.Transport, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if opts.ProxyURL != "" {
		proxy, err := url.Parse(opts.ProxyURL)
		if err != nil {
			return nil, fmt.Errorf("github.proxy_url: %w", err)
		}
		transport.Proxy = http.ProxyURL(proxy)
	}
	if opts.CAFile != "" {
		pool, err := certPool(opts.CAFile)
		if err != nil {
			return nil, err
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return transport, nil
}

// certPool returns the system roots plus the certificates in file.
func certPool(file string) (*x509.CertPool, error) {
	pemBytes, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read github.ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("github.ca_file: %s contains no PEM certificate; give a PEM bundle of CA certificates", file)
	}
	return pool, nil
}
