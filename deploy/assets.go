// Package deploy holds what goes onto a log server besides the binary: the systemd unit, the sysusers,
// tmpfiles and logrotate files, the example config, the Debian package (nfpm.yaml, debian/: its
// starting config and scripts), and the Elasticsearch and Kibana objects that `lekwacht setup` loads.
// Its tests check them with the real tools where present.
package deploy

import "embed"

// Files holds the Elasticsearch index template and ILM policy (elasticsearch/*.json) and the Kibana
// saved objects (kibana/*.ndjson), for `lekwacht setup` to load into a running cluster.
//
//go:embed elasticsearch/*.json kibana/*.ndjson
var Files embed.FS
