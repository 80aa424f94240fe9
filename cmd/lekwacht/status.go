package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/server"
	"github.com/spf13/cobra"
)

func newStatusCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [--json]",
		Short: "Ask the running daemon how it is: health, each input (files, lines, last line, expect_every), failed reloads",
		Long: `Ask the running lekwacht (at http.listen of the config) for /healthz and print it: ok, degraded
or unhealthy with the reasons, each input with the files it follows, the lines read since start, when
the last new line came and its expect_every, and each reload (config, rules, directory, tokens) with
its failures and, while the last one failed, the error. Exit 0 when ok, 1 when degraded, unhealthy or
not running, 2 when the config has no http.listen.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			url, client, err := daemonURL(cfg)
			if err != nil {
				return err
			}
			res, err := client.Get(url + "/healthz")
			if err != nil {
				return fmt.Errorf("no lekwacht answers at %s: %w (is it running? systemctl status lekwacht)", url, err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
			if err != nil {
				return fmt.Errorf("%s/healthz: %w", url, err)
			}
			var r server.HealthReport
			if err := json.Unmarshal(body, &r); err != nil || r.Status == "" {
				return fmt.Errorf("%s/healthz answers %d %q, which is not lekwacht's health (another program on http.listen?)", url, res.StatusCode, bytes.TrimSpace(body))
			}
			if asJSON {
				fmt.Fprintln(cmd.OutOrStdout(), string(bytes.TrimSpace(body)))
			} else {
				printStatus(cmd.OutOrStdout(), url, r)
			}
			if r.Status != "ok" {
				return fmt.Errorf("status: %s", r.Status)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print /healthz's JSON as it came")
	return cmd
}

// daemonURL is where the daemon of cfg answers, and a client for it: http.listen with a wildcard host
// asked on the loopback, over HTTPS when a certificate is configured, trusting exactly that
// certificate (it may name the server, not 127.0.0.1).
func daemonURL(cfg *config.Config) (string, *http.Client, error) {
	if cfg.HTTP.Listen == "" {
		return "", nil, usage("http.listen is empty: the daemon serves no HTTP to ask (set http.listen, e.g. 127.0.0.1:8470)")
	}
	host, port, err := net.SplitHostPort(cfg.HTTP.Listen)
	if err != nil {
		return "", nil, usage("http.listen %q: %v", cfg.HTTP.Listen, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	client := &http.Client{Timeout: 10 * time.Second}
	if cfg.HTTP.TLSCert == "" {
		return "http://" + net.JoinHostPort(host, port), client, nil
	}
	pemBytes, err := os.ReadFile(cfg.HTTP.TLSCert)
	if err != nil {
		return "", nil, fmt.Errorf("http.tls_cert: %w", err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" {
		return "", nil, usage("http.tls_cert %s: no PEM certificate in it", cfg.HTTP.TLSCert)
	}
	want := block.Bytes
	client.Transport = &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12,
		InsecureSkipVerify: true, // the certificate is checked below: it must be the configured one
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || !bytes.Equal(cs.PeerCertificates[0].Raw, want) {
				return errors.New("the server's certificate is not http.tls_cert")
			}
			_, err := x509.ParseCertificate(want)
			return err
		}}}
	return "https://" + net.JoinHostPort(host, port), client, nil
}

// firstLine is the first line of an error of several, saying how many more there are (the reasons
// above the tables have them all).
func firstLine(s string) string {
	first, rest, more := strings.Cut(s, "\n")
	if !more {
		return s
	}
	return fmt.Sprintf("%s (and %d more lines, above)", first, strings.Count(rest, "\n")+1)
}

// printStatus writes the report for a person: the status and its reasons, a table of the inputs and
// one of the reloads.
func printStatus(out io.Writer, url string, r server.HealthReport) {
	fmt.Fprintf(out, "lekwacht %s at %s", r.Version, url)
	if r.Started != "" {
		fmt.Fprintf(out, ", running since %s", r.Started)
	}
	fmt.Fprintf(out, ": %s\n", r.Status)
	if r.Reason != "" {
		fmt.Fprintf(out, "  %s\n", r.Reason)
	}
	for _, d := range r.Details {
		fmt.Fprintf(out, "  %s\n", strings.ReplaceAll(d, "\n", "\n    ")) // an error of several lines stays under its reason
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	if len(r.Inputs) > 0 {
		fmt.Fprintln(out)
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "INPUT\tFORMAT\tFILES\tLINES\tLAST LINE\tEXPECT EVERY\tSTATE")
		for _, in := range r.Inputs {
			state := "ok"
			if in.Problem != "" {
				state = "degraded"
			}
			fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", in.Name, in.Format, in.Files, in.Lines, dash(in.LastLine), dash(in.ExpectEvery), state)
		}
		w.Flush()
	}
	if len(r.Reloads) > 0 {
		fmt.Fprintln(out)
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "RELOAD\tFAILURES\tLAST FAILED\tLAST ERROR")
		for _, rl := range r.Reloads {
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", rl.What, rl.Failures, dash(rl.FailedAt), dash(firstLine(rl.LastError)))
		}
		w.Flush()
	}
}
