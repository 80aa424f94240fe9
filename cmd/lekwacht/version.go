package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/lekwacht/lekwacht/daemon"
	"github.com/spf13/cobra"
)

// Set by the Makefile's build and make deb: -ldflags "-X main.version=... -X main.commit=... -X main.date=...".
var (
	version string
	commit  string
	date    string
)

// The daemon reports the same version in /healthz, lekwacht status and the Elasticsearch documents.
func init() {
	if v := currentBuild().Version; daemon.Version == "dev" && v != "unknown" {
		daemon.Version = v
	}
}

// build is what `lekwacht version` reports about this binary.
type build struct {
	Version, Commit, Date string
	// Committed: Date is the commit's time the toolchain recorded, not the build's.
	Committed bool
}

// currentBuild is the build as the linker flags set it, each part the Go toolchain's record (module
// version, vcs.revision, vcs.time) where they did not: a `go build` in a checkout or a `go install
// ...@v1.2.3` without the Makefile.
func currentBuild() build {
	b := build{Version: version, Commit: commit, Date: date}
	if info, ok := debug.ReadBuildInfo(); ok {
		b = b.orRecorded(info)
	}
	return b.orUnknown()
}

// orRecorded fills the parts the linker flags left empty from the build info the toolchain recorded.
func (b build) orRecorded(info *debug.BuildInfo) build {
	if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	var recorded, modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if b.Commit == "" {
				b.Commit, recorded = s.Value, true
			}
		case "vcs.time":
			if b.Date == "" {
				b.Date, b.Committed = s.Value, true
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if recorded && modified { // built from a checkout with uncommitted changes
		b.Commit += "-dirty"
	}
	return b
}

func (b build) orUnknown() build {
	for _, p := range []*string{&b.Version, &b.Commit, &b.Date} {
		if *p == "" {
			*p = "unknown"
		}
	}
	return b
}

func (b build) String() string {
	when := "built"
	if b.Committed {
		when = "committed"
	}
	return fmt.Sprintf("lekwacht %s (commit %s, %s %s, %s %s/%s)", b.Version, b.Commit, when, b.Date,
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print lekwacht's version, commit and build date",
		Long: `Print the version, the commit it was built from and the build date, as make build and make deb set
them; a binary built without the Makefile shows what the Go toolchain recorded (the module version
of go install, the commit and its time from a checkout: "committed" instead of "built"), or unknown.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), currentBuild())
			return nil
		},
	}
}
