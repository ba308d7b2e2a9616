package cli

import (
	"encoding/json"
	"fmt"

	"github.com/canto-build/canto/internal/version"
	"github.com/spf13/cobra"
)

func newVersionCommand(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print canto's version, commit and Go version",
		Example: `  canto version
  canto version --json | jq -r .version`,
		Args: rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := version.Get()
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			_, err := fmt.Fprintf(e.stdout, "canto %s\ncommit: %s\ngo: %s\nplatform: %s\n",
				info.Version, info.Commit, info.GoVersion, info.Platform)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON to stdout")
	return cmd
}
