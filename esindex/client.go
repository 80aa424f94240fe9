// Package esindex puts the register's incidents into Elasticsearch, where the security team triages
// them in Kibana: one document per incident (the `_id` is the incident id), ECS fields plus
// `lekwacht.*`, delivered from the register's outbox so an outage, a 429 or a partly failed bulk
// request loses nothing and duplicates nothing.
package esindex

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/lekwacht/lekwacht/config"
)

// Alias is the index alias of the contract; the concrete index is Alias + "-v1" (see Index).
const Alias = "lekwacht-incidents"

// Index is the index the alias points at, created by `lekwacht setup elasticsearch`.
func Index(prefix string) string { return AliasFor(prefix) + "-v1" }

// AliasFor is the alias with a configured index prefix (the default prefix "lekwacht" gives Alias).
func AliasFor(prefix string) string {
	if prefix == "" {
		prefix = "lekwacht"
	}
	return prefix + "-incidents"
}

// NewClient builds a client from the config: addresses, API key or basic auth, a CA file for TLS.
// Retries are lekwacht's own (the outbox), so the client does not retry on its own.
func NewClient(c config.Elasticsearch) (*elasticsearch.Client, error) {
	if len(c.Addresses) == 0 {
		return nil, fmt.Errorf("elasticsearch.addresses is empty")
	}
	ec := elasticsearch.Config{Addresses: c.Addresses, APIKey: c.APIKey, Username: c.Username, Password: c.Password,
		DisableRetry: true, Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: 30 * time.Second,
			MaxIdleConnsPerHost: 8, TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}}}
	if c.CACert != "" {
		pem, err := os.ReadFile(c.CACert)
		if err != nil {
			return nil, fmt.Errorf("elasticsearch.ca_cert: %w", err)
		}
		ec.CACert = pem
	}
	return elasticsearch.NewClient(ec)
}
