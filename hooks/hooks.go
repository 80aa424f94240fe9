// Package hooks runs the response actions of a gemeente when a high or critical incident opens: a
// webhook (JSON, signed with HMAC-SHA256) and/or a command, for example to block the account at once
// as the protocol asks for deliberate leaks. Deliveries go through the register's outbox, so they
// survive a restart, are retried with backoff and never hold up detection.
package hooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

// SinkPrefix names a hook's deliveries in the outbox.
const SinkPrefix = "hook:"

// Defaults.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 20
	firstRetry         = 10 * time.Second
	maxRetry           = time.Hour
)

// Hook is one configured response action, ready to run.
type Hook struct {
	config.Hook
	secret []byte
}

// Load checks the configured hooks and reads their secrets; every problem at once.
func Load(cfgs []config.Hook) ([]*Hook, error) {
	var out []*Hook
	var errs []error
	for i, c := range cfgs {
		at := fmt.Sprintf("hooks.%d (%s)", i, c.Name)
		h := &Hook{Hook: c}
		if h.Timeout == 0 {
			h.Timeout = DefaultTimeout
		}
		if h.MaxAttempts == 0 {
			h.MaxAttempts = DefaultMaxAttempts
		}
		if h.MinSeverity == "" {
			h.MinSeverity = string(hit.SeverityHigh)
		}
		if h.Webhook != nil && h.Webhook.SecretFile != "" {
			b, err := os.ReadFile(h.Webhook.SecretFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: webhook.secret_file: %w", at, err))
				continue
			}
			h.secret = bytes.TrimSpace(b)
			if len(h.secret) < 16 {
				errs = append(errs, fmt.Errorf("%s: webhook.secret_file: the secret must be at least 16 bytes", at))
				continue
			}
		}
		out = append(out, h)
	}
	return out, errors.Join(errs...)
}

// Wants says whether the hook fires for an incident: when it is opened (created) at or above the
// hook's severity, and of one of its detectors when it names any.
func (h *Hook) Wants(in *register.Incident, created bool) bool {
	if !created || in.Severity.Rank() < hit.Severity(h.MinSeverity).Rank() {
		return false
	}
	return len(h.Detectors) == 0 || slices.Contains(h.Detectors, in.Detector)
}

// Sink is the hook's outbox name.
func (h *Hook) Sink() string { return SinkPrefix + h.Name }

// Outbox is the register's Outbox option for a set of hooks.
func Outbox(hs []*Hook) func(in *register.Incident, created bool) []string {
	return func(in *register.Incident, created bool) []string {
		var sinks []string
		for _, h := range hs {
			if h.Wants(in, created) {
				sinks = append(sinks, h.Sink())
			}
		}
		return sinks
	}
}

// Payload is what a webhook receives and a command reads on stdin. It carries what a response needs
// (which account, which incident, how bad) and no mail address, BSN or subject line.
type Payload struct {
	Hook       string         `json:"hook"`
	Delivery   int64          `json:"delivery"`
	Incident   string         `json:"incident"`
	Status     string         `json:"status"`
	Severity   hit.Severity   `json:"severity"`
	Detector   string         `json:"detector"`
	Rule       string         `json:"rule"`
	RuleTitle  string         `json:"rule_title,omitempty"`
	User       string         `json:"user"`
	Hosts      []string       `json:"hosts"`
	FirstSeen  time.Time      `json:"first_seen"`
	LastSeen   time.Time      `json:"last_seen"`
	Deadline   time.Time      `json:"deadline"`
	Categories []hit.Category `json:"data_categories"`
	Subjects   int            `json:"subjects"`
	Summary    string         `json:"summary"`
}

func payload(h *Hook, it register.OutboxItem, in *register.Incident) Payload {
	return Payload{Hook: h.Name, Delivery: it.ID, Incident: in.ID, Status: string(in.Status), Severity: in.Severity,
		Detector: in.Detector, Rule: in.Rule, RuleTitle: in.RuleTitle, User: in.User, Hosts: in.Hosts, FirstSeen: in.FirstSeen,
		LastSeen: in.LastSeen, Deadline: in.Deadline, Categories: in.DataCategories, Subjects: in.Subjects, Summary: in.Summary}
}

// Runner delivers the queued hook actions.
type Runner struct {
	reg    *register.Register
	hooks  []*Hook
	log    *slog.Logger
	client *http.Client
	now    func() time.Time

	mu     sync.Mutex
	counts map[string]map[string]int64 // hook -> result -> deliveries tried
	kick   chan struct{}
}

// NewRunner prepares the delivery of hs from reg's outbox.
func NewRunner(reg *register.Register, hs []*Hook, log *slog.Logger) *Runner {
	return &Runner{reg: reg, hooks: hs, log: log, client: &http.Client{}, now: time.Now,
		counts: map[string]map[string]int64{}, kick: make(chan struct{}, 1)}
}

// SetHooks replaces the hooks in force (a config reload). Deliveries queued for a hook that is gone
// stay in the outbox, undelivered, until a hook of that name returns.
func (r *Runner) SetHooks(hs []*Hook) {
	r.mu.Lock()
	r.hooks = hs
	r.mu.Unlock()
	r.Kick()
}

func (r *Runner) current() []*Hook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hooks
}

// Kick makes the runner look at the outbox now (after hits were registered).
func (r *Runner) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run delivers due actions until ctx ends: at once when kicked, else every second.
func (r *Runner) Run(ctx context.Context) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		for _, h := range r.current() {
			r.deliverDue(ctx, h)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-r.kick:
		}
	}
}

func (r *Runner) deliverDue(ctx context.Context, h *Hook) {
	due, err := r.reg.Due(ctx, h.Sink(), r.now(), 20)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Error("hooks: read the outbox", "hook", h.Name, "err", err)
		}
		return
	}
	for _, it := range due {
		if ctx.Err() != nil {
			return
		}
		err := r.deliver(ctx, h, it)
		switch {
		case err == nil:
			r.count(h.Name, "delivered")
			if err := r.reg.Delivered(ctx, it.ID); err != nil {
				r.log.Error("hooks: mark delivered", "hook", h.Name, "delivery", it.ID, "err", err)
			}
			r.log.Info("hook delivered", "hook", h.Name, "incident", it.Incident, "delivery", it.ID, "attempt", it.Attempts+1)
		default:
			giveUp := it.Attempts+1 >= h.MaxAttempts
			next := r.now().Add(backoff(it.Attempts))
			result := "retry"
			if giveUp {
				result = "failed"
			}
			r.count(h.Name, result)
			if err := r.reg.Retry(ctx, it.ID, next, truncate(err.Error(), 500), giveUp); err != nil {
				r.log.Error("hooks: record a failed attempt", "hook", h.Name, "delivery", it.ID, "err", err)
			}
			r.log.Warn("hook failed", "hook", h.Name, "incident", it.Incident, "delivery", it.ID, "attempt", it.Attempts+1,
				"given_up", giveUp, "next", next, "err", err.Error())
		}
	}
}

// backoff is 10 s, 20 s, 40 s, ... up to an hour.
func backoff(attempts int) time.Duration {
	d := firstRetry
	for range attempts {
		d *= 2
		if d >= maxRetry {
			return maxRetry
		}
	}
	return d
}

func (r *Runner) deliver(ctx context.Context, h *Hook, it register.OutboxItem) error {
	in, err := r.reg.Get(ctx, it.Incident)
	if err != nil {
		return err
	}
	body, err := json.Marshal(payload(h, it, in))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, h.Timeout)
	defer cancel()
	if h.Webhook != nil {
		if err := r.post(ctx, h, it, body); err != nil {
			return fmt.Errorf("webhook: %w", err)
		}
	}
	if len(h.Command) > 0 {
		if err := run(ctx, h, in, body); err != nil {
			return fmt.Errorf("command: %w", err)
		}
	}
	return nil
}

// Signature is the X-Lekwacht-Signature value for a body sent at a timestamp: HMAC-SHA256 over
// "timestamp.body" with the hook's secret, as hex, prefixed "sha256=".
func Signature(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (r *Runner) post(ctx context.Context, h *Hook, it register.OutboxItem, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(r.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "lekwacht")
	req.Header.Set("X-Lekwacht-Delivery", strconv.FormatInt(it.ID, 10))
	req.Header.Set("X-Lekwacht-Timestamp", ts)
	if h.secret != nil {
		req.Header.Set("X-Lekwacht-Signature", Signature(h.secret, ts, body))
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return nil
}

// run starts the command with {id}, {user}, {severity}, {detector} and {rule} filled in, the
// payload on stdin; exit status 0 is success.
func run(ctx context.Context, h *Hook, in *register.Incident, body []byte) error {
	user := printable(in.User)
	repl := strings.NewReplacer("{id}", in.ID, "{user}", user, "{severity}", string(in.Severity),
		"{detector}", in.Detector, "{rule}", in.Rule)
	args := make([]string, len(h.Command))
	for i, a := range h.Command {
		args[i] = repl.Replace(a)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin = bytes.NewReader(body)
	cmd.Env = append(os.Environ(), "LEKWACHT_INCIDENT="+in.ID, "LEKWACHT_USER="+user, "LEKWACHT_SEVERITY="+string(in.Severity))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", args[0], err, truncate(strings.TrimSpace(out.String()), 300))
	}
	return nil
}

// printable replaces control characters (a NUL would keep the command from starting) in a value
// taken from a log line. A value may still start with "-": put "--" before "{user}" in the command.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (r *Runner) count(hook, result string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.counts[hook] == nil {
		r.counts[hook] = map[string]int64{}
	}
	r.counts[hook][result]++
}

// Counts returns the attempts per hook and result (delivered, retry, failed) since start.
func (r *Runner) Counts() map[string]map[string]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]map[string]int64{}
	for h, m := range r.counts {
		out[h] = map[string]int64{}
		for k, v := range m {
			out[h][k] = v
		}
	}
	return out
}
