package main

import "fmt"
import "io"
import "text/tabwriter"

import "github.com/yakser/asynqpg"

// legendEntry says what one task type of the workload stands for and what
// its handler in workload.go does with it.
type legendEntry struct {
	typ       string
	standsFor string
	handling  string
	// schedule, for a periodic task, stands in the column of task counts.
	schedule string
}

// legend describes every task type of the workload, in the order the demo
// enqueues them. Keep it in step with workload.go: TestLegendCoversWorkload
// fails when a type has no line here.
var legend = []legendEntry{
	{typeEmail, "an email send", "succeeds after a short wait", ""},
	{typeReport, "a report build", "delayed or scheduled a few seconds ahead, then succeeds", ""},
	{typePayment, "a card charge", "fails once, then succeeds on retry; a few always fail", ""},
	{typeInventory, "a stock sync", "snoozes once (no attempt spent), then succeeds", ""},
	{typeWebhook, "a webhook call", "fails for good (410 Gone): no retry", ""},
	{typeTranscode, "a video transcode", "runs until the demo cancels it; a duplicate enqueue is refused", ""},
	{typeResize, "an image resize", fmt.Sprintf("one worker; the last %d, of priority %d, overtake the backlog",
		resizeUrgent, urgentPriority), ""},
	{typePartner, "a partner API call", fmt.Sprintf("%d workers, but at most %d run at once in the whole database (global limit)",
		partnerWorkers, partnerLimit), ""},
	{typeNewsletter, "a newsletter mail", fmt.Sprintf("its type is paused: waits %s, then is resumed and succeeds",
		pauseFor), ""},
	{typeRollup, "a metrics roll-up", "periodic: enqueued by the leader at each whole second, once", rollupSchedule},
}

// legendNotes follow the legend's table.
var legendNotes = []string{
	"The failures, the snooze and the cancel are simulated on purpose, to show retries,",
	"failed and cancelled tasks; nothing is really sent, charged or called.",
	"The summary says how many " + typePartner + " tasks the database saw running at once (never",
	"more than the limit), and that the " + typeNewsletter + " tasks waited while their type was paused.",
	"While the demo runs, the dashboard (package ui) is served at the URL printed below",
	"(unless -listen off; -serve keeps it up after the summary).",
	"Code: cmd/demo/workload.go (task types and handlers), cmd/demo/schedule.go (the",
	"priority lane and the periodic task), cmd/demo/limit.go (the global limit),",
	"cmd/demo/pause.go (the pause), cmd/demo/dashboard.go (the dashboard),",
	"cmd/demo/run.go (enqueue, cancel, resume, progress, summary), cmd/demo/legend.go",
	"(this legend).",
}

// printLegend tells what the demo is about to do: a line per task type,
// with how many of tasks have that type, then legendNotes.
func printLegend(out io.Writer, tasks []*asynqpg.Task) error {
	counts := countTypes(tasks)
	fmt.Fprintf(out, "asynqpg demo: %d tasks of %d types, enqueued at once and processed by one consumer,\n"+
		"which also enqueues a periodic task while it leads\n\n", len(tasks), len(counts))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  type\ttasks\tstands for\twhat its handler does")
	for _, e := range legend {
		count := fmt.Sprintf("%5d", counts[e.typ])
		if e.schedule != "" {
			count = e.schedule
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.typ, count, e.standsFor, e.handling)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	for _, line := range legendNotes {
		fmt.Fprintln(out, line)
	}
	_, err := fmt.Fprintln(out)
	return err
}

// countTypes counts tasks by type.
func countTypes(tasks []*asynqpg.Task) map[string]int {
	counts := make(map[string]int)
	for _, t := range tasks {
		counts[t.Type]++
	}
	return counts
}
