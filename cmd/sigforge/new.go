package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler/scaffold"
)

func newNewCmd() *cobra.Command {
	var o scaffold.Options
	cmd := &cobra.Command{
		Use:   "new --event-name NAME [--event-source HOST] [--title T] [--level L] [--rules DIR] [--fixtures DIR] RULE_NAME",
		Short: "Scaffold a rule and its positive and negative CloudTrail fixtures",
		Long: "new writes <rules>/RULE_NAME.yml — a fresh UUID, today's date, a detection on the CloudTrail\n" +
			"event (successful calls) and every field the pack requires — and the fixtures\n" +
			"<fixtures>/RULE_NAME/positive/<event>.json (the call) and negative/<event>_access_denied.json\n" +
			"(the same call, denied). The fields only you can write are left empty with a TODO\n" +
			"comment: validate --strict rejects the rule until they are filled in. It never\n" +
			"overwrites a file.",
		Args: cobra.ExactArgs(1),
		RunE: command(func(cmd *cobra.Command, args []string) error {
			if o.EventName == "" {
				return usageError("new needs --event-name (e.g. --event-name ModifyDBInstance)")
			}
			o.Name = args[0]
			files, err := scaffold.Create(o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n%s\n%s\n", files.Rule, files.Positive, files.Negative)
			fmt.Fprintf(cmd.ErrOrStderr(), "fill in the TODO fields, then run: sigforge validate --strict %s && sigforge test --rules %s --fixtures %s\n",
				files.Rule, o.RulesDir, o.FixturesDir)
			return nil
		}),
	}
	cmd.Flags().StringVar(&o.EventName, "event-name", "", "CloudTrail eventName to detect (e.g. ModifyDBInstance)")
	cmd.Flags().StringVar(&o.EventSource, "event-source", "rds.amazonaws.com", "CloudTrail eventSource")
	cmd.Flags().StringVar(&o.Title, "title", "", "rule title (default: AWS <service> <event name>)")
	cmd.Flags().StringVar(&o.Level, "level", "medium", "level: informational, low, medium, high or critical")
	cmd.Flags().StringVar(&o.RulesDir, "rules", "rules", "folder of rule files")
	cmd.Flags().StringVar(&o.FixturesDir, "fixtures", "fixtures", "folder of fixtures")
	return cmd
}
