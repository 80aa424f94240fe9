package daemon

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/server"
)

func get(t *testing.T, url, secret string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestHTTPWhileRunning runs the daemon with its HTTP server on 127.0.0.1: metrics count the lines
// read, the API needs a token, and SIGHUP's reload picks up a token added to the file later.
func TestHTTPWhileRunning(t *testing.T) {
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	os.MkdirAll(logDir, 0o755)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(logDir, "auth.log")}})
	cfg.HTTP = config.HTTP{Listen: "127.0.0.1:0", TokensFile: filepath.Join(dir, "tokens.yaml")}
	appendLines(t, filepath.Join(logDir, "auth.log"), 1, 40)
	analyst, err := server.AddToken(cfg.HTTP.TokensFile, "team", server.RoleAnalyst)
	if err != nil {
		t.Fatal(err)
	}
	d, stop := start(t, cfg, nil)
	base := "http://" + d.Addr()
	var body string
	waitFor(t, "metrics counting 40 lines", func() bool {
		_, body = get(t, base+"/metrics", "")
		return strings.Contains(body, `lekwacht_lines_total{input="ssh"} 40`)
	}, func() string { return body })
	if !strings.Contains(body, `lekwacht_incidents{status="draft"} 0`) || !strings.Contains(body, `lekwacht_followed_files{input="ssh"} 1`) {
		t.Fatalf("metrics lack the register or the tailer:\n%s", body)
	}
	if code, body := get(t, base+"/healthz", ""); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("healthz %d %s", code, body)
	}
	if code, _ := get(t, base+"/api/v1/incidents", ""); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	code, body := get(t, base+"/api/v1/incidents", analyst)
	var list []any
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil {
		t.Fatalf("list %d %s", code, body)
	}
	fg, err := server.AddToken(cfg.HTTP.TokensFile, "fg", server.RoleFG)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, base+"/api/v1/incidents", fg); code != 401 {
		t.Fatalf("a token added after start-up works before a reload: %d", code)
	}
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, base+"/api/v1/incidents", fg); code != 200 {
		t.Fatalf("after the reload: %d", code)
	}
	// A broken tokens file on reload: an error, the tokens in force stay.
	os.WriteFile(cfg.HTTP.TokensFile, []byte("tokens: [{name: x, role: boss}]\n"), 0o600)
	if err := d.Reload(); err == nil {
		t.Fatal("a broken tokens file reloaded without error")
	}
	if code, _ := get(t, base+"/api/v1/incidents", fg); code != 200 {
		t.Fatalf("after a broken reload: %d", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("the HTTP server still answers after shutdown")
	}
}

func TestHTTPStartupErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.HTTP = config.HTTP{Listen: "127.0.0.1:0", TokensFile: filepath.Join(dir, "tokens.yaml")}
	os.WriteFile(cfg.HTTP.TokensFile, []byte("tokens: [{name: x, role: boss}]\n"), 0o600)
	if _, err := New(cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "tokens.yaml:1: role") {
		t.Fatalf("broken tokens file: %v", err)
	}
	os.Remove(cfg.HTTP.TokensFile)
	first, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	cfg2 := testConfig(t, t.TempDir())
	cfg2.HTTP = config.HTTP{Listen: first.Addr()}
	if _, err := New(cfg2, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "http.listen") {
		t.Fatalf("a port in use: %v", err)
	}
	cfg3 := testConfig(t, t.TempDir())
	cfg3.HTTP = config.HTTP{Listen: "127.0.0.1:0", TLSCert: filepath.Join(dir, "none.pem"), TLSKey: filepath.Join(dir, "none.key")}
	if _, err := New(cfg3, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "tls_cert") {
		t.Fatalf("a missing certificate: %v", err)
	}
}

func TestHTTPS(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lekwacht"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cfg := testConfig(t, dir)
	cfg.HTTP = config.HTTP{Listen: "127.0.0.1:0", TLSCert: certFile, TLSKey: keyFile}
	d, _ := start(t, cfg, nil)
	pool := x509.NewCertPool()
	pool.AddCert(must(x509.ParseCertificate(der)))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + d.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("https healthz: %d %v", resp.StatusCode, resp.TLS)
	}
	if resp, err := http.Get("http://" + d.Addr() + "/healthz"); err == nil && resp.StatusCode == 200 {
		t.Fatal("plain HTTP answered on the TLS port")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
