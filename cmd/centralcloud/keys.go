package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/snapshots"
	"github.com/centralcloud/centralcloud/store"
)

// snapshotKeyringOptions returns where the configured keys come from.
func snapshotKeyringOptions(app *cliApp) (snapshots.KeyringOptions, error) {
	if err := app.load(); err != nil {
		return snapshots.KeyringOptions{}, err
	}
	cfg := app.cfg.Snapshots
	return snapshots.KeyringOptions{
		File: cfg.KeyringPath(app.cfg.DataDir), Keys: cfg.Keys, ActiveKeyID: cfg.ActiveKeyID,
	}, nil
}

// snapshotKeyring loads the configured keyring. On the embedded default
// database with no keys configured, it first creates a development keyring
// file in data_dir, so that a fresh checkout can publish patterns.
func snapshotKeyring(app *cliApp) (*snapshots.Keyring, error) {
	opts, err := snapshotKeyringOptions(app)
	if err != nil {
		return nil, err
	}
	if err := ensureDevelopmentKeyring(app, opts); err != nil {
		return nil, err
	}
	return snapshots.LoadKeyring(opts)
}

// ensureDevelopmentKeyring creates a keyring file with one active key when
// the database is the embedded one, no keys are configured and the file is
// missing. With an external database the replicas must share one keyring,
// so nothing is generated and the operator provisions it.
func ensureDevelopmentKeyring(app *cliApp, opts snapshots.KeyringOptions) error {
	if app.cfg.Database.URL != "" || len(opts.Keys) > 0 || opts.File == "" {
		return nil
	}
	if _, err := os.Stat(opts.File); !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(opts.File), 0o700); err != nil {
		return fmt.Errorf("create keyring folder: %w", err)
	}
	id, entry, err := snapshots.GenerateKey(time.Now())
	if err != nil {
		return err
	}
	var file snapshots.KeyringFile
	if _, err := file.AddKey(entry, time.Now(), true); err != nil {
		return err
	}
	if err := snapshots.WriteKeyringFile(opts.File, file); err != nil {
		return err
	}
	app.logger.Warn().Str(logkey.KeyID, id).Str(logkey.Path, opts.File).
		Msg("created a development keyring for the embedded database; provision keys with centralcloud keys in production")
	return nil
}

func newKeysCommand(app *cliApp) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the key-encryption keys that protect stored pattern sets and snapshots",
		Long: "Manage the keyring of key-encryption keys. Each pattern set and snapshot is encrypted under a\n" +
			"data key of its own, stored wrapped by keys of the keyring. To rotate: add the new key to every\n" +
			"replica's keyring, run `keys rotate` with it active, then `keys retire` the old key.",
	}
	cmd.AddCommand(newKeysGenerateCommand(app), newKeysListCommand(app), newKeysRotateCommand(app),
		newKeysRetireCommand(app))
	return cmd
}

func newKeysGenerateCommand(app *cliApp) *cobra.Command {
	var add, activate bool
	cmd := &cobra.Command{
		Use:   "generate [--add [--activate]]",
		Short: "Print a new key as <id>:<base64>, or add it to the keyring file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if activate && !add {
				return &usageError{command: "centralcloud keys generate", err: errors.New("--activate needs --add")}
			}
			id, entry, err := snapshots.GenerateKey(time.Now())
			if err != nil {
				return err
			}
			if !add {
				fmt.Fprintln(app.stdout, entry)
				fmt.Fprintf(app.stderr, "generated key %s; add it to snapshots.keys or run with --add\n", id)
				return nil
			}
			path, err := addKeyToFile(app, entry, activate)
			if err != nil {
				return err
			}
			fmt.Fprintln(app.stdout, id)
			fmt.Fprintf(app.stderr, "added key %s to %s (active: %t)\n", id, path, activate)
			return nil
		},
	}
	cmd.Flags().BoolVar(&add, "add", false, "add the key to the keyring file instead of printing it")
	cmd.Flags().BoolVar(&activate, "activate", false, "make the added key the file's active key")
	return cmd
}

// addKeyToFile adds entry to the configured keyring file and returns its path.
func addKeyToFile(app *cliApp, entry string, activate bool) (string, error) {
	opts, err := snapshotKeyringOptions(app)
	if err != nil {
		return "", err
	}
	if activate && opts.ActiveKeyID != "" {
		return "", fmt.Errorf("snapshots.active_key_id is set to %q and overrides the file's active key; "+
			"change that setting instead of activating in the file", opts.ActiveKeyID)
	}
	file, err := snapshots.ReadKeyringFile(opts.File)
	if err != nil {
		return "", err
	}
	if _, err := file.AddKey(entry, time.Now(), activate); err != nil {
		return "", err
	}
	return opts.File, snapshots.WriteKeyringFile(opts.File, file)
}

func newKeysListCommand(app *cliApp) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the keyring's keys and how many data keys each wraps (never the secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			keyring, err := snapshotKeyring(app)
			if err != nil {
				return err
			}
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			usage, err := snapshots.ListKeyUsage(cmd.Context(), pool)
			if err != nil {
				return err
			}
			return printKeyUsage(app, keyring, usage)
		},
	}
}

func printKeyUsage(app *cliApp, keyring *snapshots.Keyring, usage []snapshots.KeyUsage) error {
	byID := map[string]snapshots.KeyUsage{}
	ids := keyring.IDs()
	for _, u := range usage {
		byID[u.KeyID] = u
		if !slices.Contains(ids, u.KeyID) {
			ids = append(ids, u.KeyID)
		}
	}
	slices.Sort(ids)
	tw := tabwriter.NewWriter(app.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY ID\tIN KEYRING\tACTIVE\tWRAPS\tONLY KEY FOR\tRETIRED")
	for _, id := range ids {
		u := byID[id]
		retired := "-"
		if !u.RetiredAt.IsZero() {
			retired = u.RetiredAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%t\t%t\t%d\t%d\t%s\n", id, keyring.Has(id), id == keyring.ActiveID(),
			u.Wraps, u.SoleWraps, retired)
	}
	return tw.Flush()
}

func newKeysRotateCommand(app *cliApp) *cobra.Command {
	var generate bool
	cmd := &cobra.Command{
		Use:   "rotate [--generate]",
		Short: "Wrap every data key under the active key; bodies and ETags stay the same",
		Long: "Wrap every stored data key under the active key as well. Bodies are never re-encrypted, so\n" +
			"snapshot ETags and ciphertexts stay the same, and the older keys keep working until retired.\n" +
			"With --generate, a new key is first added to the keyring file and made active; every other\n" +
			"replica must have that key before it reads a snapshot built afterwards.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if generate {
				id, entry, err := snapshots.GenerateKey(time.Now())
				if err != nil {
					return err
				}
				path, err := addKeyToFile(app, entry, true)
				if err != nil {
					return err
				}
				fmt.Fprintf(app.stderr, "added key %s to %s as the active key\n", id, path)
			}
			keyring, err := snapshotKeyring(app)
			if err != nil {
				return err
			}
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			n, err := snapshots.Rotate(cmd.Context(), pool, keyring)
			if err != nil {
				return err
			}
			err = store.InsertAudit(cmd.Context(), pool, store.AuditEvent{
				Actor: "cli", Action: auditKeysRotated, Reason: "keys rotate",
				Details: map[string]any{"key_id": keyring.ActiveID(), "rewrapped": n},
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(app.stdout, "wrapped %d data keys under key %s\n", n, keyring.ActiveID())
			fmt.Fprintln(app.stderr, "retire older keys with centralcloud keys retire KEY_ID once no replica uses them")
			return nil
		},
	}
	cmd.Flags().BoolVar(&generate, "generate", false, "first add a new key to the keyring file and make it active")
	return cmd
}

func newKeysRetireCommand(app *cliApp) *cobra.Command {
	return &cobra.Command{
		Use:   "retire KEY_ID",
		Short: "Delete a key's wraps once other keys wrap every data key, and drop it from the keyring file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			keyring, err := snapshotKeyring(app)
			if err != nil {
				return err
			}
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			n, err := snapshots.Retire(cmd.Context(), pool, keyring, id)
			if err != nil {
				return err
			}
			err = store.InsertAudit(cmd.Context(), pool, store.AuditEvent{
				Actor: "cli", Action: auditKeysRetired, Reason: "keys retire",
				Details: map[string]any{"key_id": id, "deleted_wraps": n},
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(app.stdout, "retired key %s: deleted %d wraps\n", id, n)
			return removeRetiredKey(app, id)
		},
	}
}

// removeRetiredKey drops a retired key from the keyring file, or prints
// where else to remove it.
func removeRetiredKey(app *cliApp, id string) error {
	opts, err := snapshotKeyringOptions(app)
	if err != nil {
		return err
	}
	file, err := snapshots.ReadKeyringFile(opts.File)
	if err != nil {
		return err
	}
	if err := file.RemoveKey(id); err != nil {
		if errors.Is(err, snapshots.ErrUnknownKey) {
			fmt.Fprintf(app.stderr, "key %s is not in %s; remove it from snapshots.keys on every replica\n",
				id, opts.File)
			return nil
		}
		return err
	}
	if err := snapshots.WriteKeyringFile(opts.File, file); err != nil {
		return err
	}
	fmt.Fprintf(app.stderr, "removed key %s from %s\n", id, opts.File)
	return nil
}
