package main

import (
	"fmt"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/centralcloud/centralcloud/snapshots"
	"github.com/centralcloud/centralcloud/store"
)

// Audit actions of the pattern and key commands.
const (
	auditPatternsPublished = "patterns.published"
	auditKeysRotated       = "keys.rotated"
	auditKeysRetired       = "keys.retired"
)

func newPatternsCommand(app *cliApp) *cobra.Command {
	cmd := &cobra.Command{Use: "patterns", Short: "Publish and list versions of the detection pattern set"}
	cmd.AddCommand(newPatternsPublishCommand(app), newPatternsListCommand(app))
	return cmd
}

func newPatternsPublishCommand(app *cliApp) *cobra.Command {
	var note, by string
	cmd := &cobra.Command{
		Use:   "publish FILE",
		Short: "Validate a JSON or YAML pattern bundle and store it as the next version",
		Long: "Validate a JSON or YAML pattern bundle and store it, encrypted, as the next version of the\n" +
			"pattern set, then queue a snapshot build. A bundle is {\"patterns\": [...]}, each pattern with\n" +
			"id, language, severity (error, warning or note), message, rule and optional tags. A bundle\n" +
			"equal to the newest version is not stored again.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bundle, err := snapshots.ReadBundleFile(args[0])
			if err != nil {
				return err
			}
			keyring, err := snapshotKeyring(app)
			if err != nil {
				return err
			}
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			result, err := snapshots.Publish(cmd.Context(), pool, keyring, bundle,
				snapshots.PublishOptions{PublishedBy: publisher(by), Note: note})
			if err != nil {
				return err
			}
			set := result.Set
			if !result.Created {
				fmt.Fprintf(app.stderr, "pattern set unchanged: version %d has the same content\n", set.Version)
				return nil
			}
			err = store.InsertAudit(cmd.Context(), pool, store.AuditEvent{
				Actor: "cli", Action: auditPatternsPublished, Reason: "patterns publish",
				Details: map[string]any{"version": set.Version, "pattern_count": set.PatternCount,
					"content_sha256": set.ContentSHA256, "published_by": set.PublishedBy, "note": set.Note},
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(app.stdout, "published pattern set version %d: %d patterns, sha256 %s\n",
				set.Version, set.PatternCount, set.ContentSHA256)
			fmt.Fprintln(app.stderr, "a snapshot build is queued; a worker (centralcloud worker or run) builds it")
			return nil
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "free text stored with the version, e.g. what changed")
	cmd.Flags().StringVar(&by, "by", "", "who publishes, stored with the version (default: the OS user name)")
	return cmd
}

// publisher returns by, else the OS user name, else "cli".
func publisher(by string) string {
	if by != "" {
		return by
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "cli"
}

func newPatternsListCommand(app *cliApp) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the published versions of the pattern set, newest first, and the current snapshot",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			sets, err := snapshots.ListPatternSets(cmd.Context(), pool)
			if err != nil {
				return err
			}
			current, err := snapshots.CurrentSnapshot(cmd.Context(), pool)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(app.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tPATTERNS\tSHA256\tPUBLISHED\tBY\tNOTE")
			for _, s := range sets {
				fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\n", s.Version, s.PatternCount, s.ContentSHA256[:12],
					s.PublishedAt.UTC().Format(time.RFC3339), s.PublishedBy, s.Note)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if current.Empty {
				fmt.Fprintf(app.stdout, "current snapshot: %s (empty; nothing built yet)\n", current.ETag)
				return nil
			}
			fmt.Fprintf(app.stdout, "current snapshot: %s (version %d, %d patterns, %d bytes, built %s)\n",
				current.ETag, current.PatternSetVersion, current.PatternCount, current.PlaintextSize,
				current.CreatedAt.UTC().Format(time.RFC3339))
			return nil
		},
	}
}
