package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/detectors"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/esindex"
	"github.com/lekwacht/lekwacht/hooks"
	"github.com/lekwacht/lekwacht/rules"
	"github.com/lekwacht/lekwacht/server"
)

// Preflight is what `config check` finds in the files run loads besides the config.
type Preflight struct {
	// Warnings are what run starts with but an admin should see (an input whose paths match no
	// file, a missing tokens file, rules whose detector is not built in).
	Warnings []string
	// Err joins every problem that would stop run, each naming its file (and line where the file
	// has lines).
	Err error
}

// Check loads what run loads after the config, without opening the register or binding the port:
// the rules (shipped and rules.dir), the directory with identity.sources, organisation.working_hours,
// the hooks and their secrets, the tokens file, the TLS files; and looks for each input's files and
// into each watch: folder.
func Check(cfg *config.Config) Preflight {
	var p Preflight
	var errs []error
	set, err := rules.Load(cfg.Rules.Dir)
	if err != nil {
		errs = append(errs, fmt.Errorf("rules: %w", err))
	}
	det := &detection{}
	if cfg.Directory != "" {
		if det.dir, err = directory.OpenWith(cfg.Directory, slog.New(slog.DiscardHandler), directoryOptions(cfg)); err != nil {
			errs = append(errs, err)
		}
	}
	env, err := det.newEnv(cfg)
	if err != nil {
		errs = append(errs, err)
	}
	if set != nil && err == nil {
		// The detectors check their rules' parameters; their lines stay in memory here (no spool).
		env.SpoolDir = filepath.Join(os.DevNull, "no-spool")
		if _, missing, err := detectors.New(set, env); err != nil {
			errs = append(errs, err)
		} else if len(missing) > 0 {
			p.Warnings = append(p.Warnings, "rules whose detector is not built in are not run: "+strings.Join(missing, ", "))
		}
	}
	if _, err := hooks.Load(cfg.Hooks); err != nil {
		errs = append(errs, err)
	}
	if cfg.HTTP.Listen != "" {
		p.Warnings = append(p.Warnings, checkTokens(cfg, &errs)...)
		if cfg.HTTP.TLSCert != "" {
			if _, err := tls.LoadX509KeyPair(cfg.HTTP.TLSCert, cfg.HTTP.TLSKey); err != nil {
				errs = append(errs, fmt.Errorf("http.tls_cert/http.tls_key: %w", err))
			}
		}
	}
	for _, e := range InputsWithoutFiles(cfg) {
		p.Warnings = append(p.Warnings, e.String())
	}
	errs = append(errs, unreadableInputFiles(cfg)...)
	errs = append(errs, watchFolderProblems(cfg)...)
	p.Err = errors.Join(errs...)
	return p
}

// checkTokens loads the tokens file as run does: missing is a warning, broken an error.
func checkTokens(cfg *config.Config, errs *[]error) []string {
	if cfg.HTTP.TokensFile == "" {
		return []string{"http.tokens_file is not set: the API and the web page refuse every request"}
	}
	_, err := server.LoadTokens(cfg.HTTP.TokensFile)
	if errors.Is(err, os.ErrNotExist) {
		return []string{fmt.Sprintf("tokens file %s not found: the API and the web page refuse every request until it exists (lekwacht tokens add)", cfg.HTTP.TokensFile)}
	}
	if err != nil {
		*errs = append(*errs, err)
	}
	return nil
}

// unreadableInputFiles are the inputs' files this user cannot open: run would follow them without
// reading a line. Each names the file, the user and what to give it.
func unreadableInputFiles(cfg *config.Config) []error {
	who := currentUser()
	var errs []error
	for _, in := range cfg.Inputs {
		for _, pat := range in.Paths {
			matches, _ := filepath.Glob(pat)
			for _, m := range matches {
				if st, err := os.Stat(m); err != nil || !st.Mode().IsRegular() || excluded(in, m) {
					continue
				}
				f, err := os.Open(m)
				if err == nil {
					f.Close()
					continue
				}
				if errors.Is(err, os.ErrPermission) {
					errs = append(errs, fmt.Errorf("input %s: %s: user %s may not read it: give it read permission (e.g. the log's group, adm on Debian: usermod -aG adm %s)", in.Name, m, who, who))
				}
			}
		}
	}
	return errs
}

// Connect is `config check --connect`: Elasticsearch reached with the configured credentials and
// asked for the privileges the indexer needs. It says what answered (found), what it could not
// check (warnings), and what would keep the incidents out of Elasticsearch (err).
func Connect(ctx context.Context, cfg *config.Config) (found string, warnings []string, err error) {
	es := cfg.Elasticsearch
	if len(es.Addresses) == 0 {
		return "", []string{"--connect: elasticsearch.addresses is empty: there is no Elasticsearch to connect to"}, nil
	}
	client, err := esindex.NewClient(es)
	if err != nil {
		return "", nil, err
	}
	at := strings.Join(es.Addresses, ", ")
	a, err := esindex.CheckAccess(ctx, client, es.IndexPrefix)
	if err != nil {
		return "", nil, fmt.Errorf("elasticsearch %s: %w", at, err)
	}
	if a.Unchecked != "" {
		warnings = append(warnings, fmt.Sprintf("elasticsearch %s: privileges not checked: %s", at, a.Unchecked))
	}
	if slices.Contains(a.Missing, "index") {
		return "", warnings, fmt.Errorf("elasticsearch %s: %s lacks the index privilege %s on %s, so no incident would be indexed: give its role %s on %s (lekwacht setup elasticsearch --print-role prints it)",
			at, a.User, strings.Join(a.Missing, ", "), a.Alias, strings.Join(esindex.IndexPrivileges, ", "), a.Alias)
	}
	if len(a.Missing) > 0 {
		// read only: run indexes, but cannot ask the index for the highest incident id at start.
		warnings = append(warnings, fmt.Sprintf("elasticsearch %s: %s lacks the index privilege %s on %s: run indexes, but cannot read the highest incident id at start, so a reset register may reuse ids; give its role %s on %s (lekwacht setup elasticsearch --print-role prints it)",
			at, a.User, strings.Join(a.Missing, ", "), a.Alias, strings.Join(esindex.IndexPrivileges, ", "), a.Alias))
	}
	return a.String(), warnings, nil
}
