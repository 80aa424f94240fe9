package main

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/lekwacht/lekwacht/daemon"
	"github.com/spf13/cobra"
)

func newRunCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "The daemon: tail the configured inputs, parse, and write events and rejects until SIGTERM",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			d, err := daemon.New(cfg, log)
			if err != nil {
				return err
			}
			defer d.Close()
			log.Info("lekwacht running", "inputs", len(cfg.Inputs), "register", cfg.Register.Dir)
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			go func() {
				for {
					select {
					case <-ctx.Done():
						return
					case <-hup:
						d.Reload() // logs what did not load; the old rules and directory stay in force
					}
				}
			}()
			if err := d.Run(ctx); err != nil {
				return err
			}
			log.Info("lekwacht stopped: positions saved")
			return nil
		},
	}
}
