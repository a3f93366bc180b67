package main

import "context"
import "fmt"
import "sort"
import "strconv"
import "strings"

import "github.com/spf13/cobra"

import "github.com/yakser/asynqpg/client"

// newConsumersCmd builds "consumers".
func newConsumersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "consumers",
		Short: "List the live consumers and the task types no consumer serves",
		Args:  noArgs,
		RunE: withDatabase(func(cmd *cobra.Command, d *database, _ []string) error {
			consumers, unserved, err := readConsumers(cmd.Context(), d, !wantJSON(cmd))
			return printResult(cmd, consumers, err, func(cmd *cobra.Command, consumers []client.ConsumerInfo) error {
				return printConsumers(cmd, consumers, unserved)
			})
		}),
	}
	addJSONFlag(cmd)
	return cmd
}

// readConsumers reads the live consumers and, when withUnserved is set,
// the task types that have ready tasks and no live consumer.
func readConsumers(ctx context.Context, d *database, withUnserved bool) ([]client.ConsumerInfo, []string, error) {
	s, err := d.service()
	if err != nil {
		return nil, nil, err
	}
	consumers, err := s.Consumers(ctx)
	if err != nil {
		return nil, nil, apiError(err)
	}
	if !withUnserved {
		return consumers, nil, nil
	}
	unserved, err := s.UnservedTypes(ctx)
	if err != nil {
		return nil, nil, apiError(err)
	}
	return consumers, unserved, nil
}

// printConsumers prints one row per live consumer, then the unserved
// types.
func printConsumers(cmd *cobra.Command, consumers []client.ConsumerInfo, unserved []string) error {
	out := cmd.OutOrStdout()
	if len(consumers) == 0 {
		if _, err := fmt.Fprintln(out, "no live consumer"); err != nil {
			return err
		}
	} else {
		t := newTable(out, "ID", "HOSTNAME", "PID", "TYPES", "WORKERS", "STARTED", "LAST HEARTBEAT")
		for _, c := range consumers {
			started, beat := c.StartedAt, c.LastHeartbeatAt
			t.row(cell(c.ID), cell(c.Hostname), strconv.FormatInt(c.PID, 10), cell(strings.Join(c.TaskTypes, ",")),
				workersCell(c.Workers), formatTime(&started), formatTime(&beat))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	names := "(none)"
	if len(unserved) > 0 {
		names = cell(strings.Join(unserved, ", "))
	}
	_, err := fmt.Fprintf(out, "\ntask types with ready tasks and no live consumer: %s\n", names)
	return err
}

// workersCell shows the workers of each type, as type=n in type order.
func workersCell(workers map[string]int) string {
	types := make([]string, 0, len(workers))
	for t := range workers {
		types = append(types, t)
	}
	sort.Strings(types)
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = t + "=" + strconv.Itoa(workers[t])
	}
	return cell(strings.Join(parts, ","))
}
