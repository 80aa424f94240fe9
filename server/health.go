package server

// HealthReport is the body of /healthz: the status ("ok", "degraded" or "unhealthy") with why, and,
// when the daemon gives them, what `lekwacht status` shows: the inputs and the reloads. No personal
// data: input names, log paths, counts, times, errors of config files.
type HealthReport struct {
	Status string `json:"status"`
	// Reason says why the daemon is unhealthy (503).
	Reason string `json:"reason,omitempty"`
	// Details are what works but wants an admin's eye (degraded, 200).
	Details []string       `json:"details,omitempty"`
	Version string         `json:"version,omitempty"`
	Started string         `json:"started,omitempty"` // RFC 3339
	Inputs  []InputStatus  `json:"inputs,omitempty"`
	Reloads []ReloadStatus `json:"reloads,omitempty"`
}

// InputStatus is one input as /healthz shows it.
type InputStatus struct {
	Name   string `json:"name"`
	Format string `json:"format"`
	Files  int    `json:"files"` // followed now
	Lines  int64  `json:"lines"` // read since start
	// LastLine is when the last new line was read (RFC 3339; empty: none since start).
	LastLine    string `json:"last_line,omitempty"`
	ExpectEvery string `json:"expect_every,omitempty"` // as the config writes it, e.g. 1h0m0s
	// Problem is why this input makes the daemon degraded (no file, quiet too long), else empty.
	Problem string `json:"problem,omitempty"`
}

// ReloadStatus is one thing reloaded while running (config, rules, directory, tokens).
type ReloadStatus struct {
	What     string `json:"what"`
	Failures int64  `json:"failures"` // since start
	// LastError is why the last reload failed while it still is the last one (then FailedAt is
	// when); empty once a reload succeeds.
	LastError string `json:"last_error,omitempty"`
	FailedAt  string `json:"failed_at,omitempty"`
}
