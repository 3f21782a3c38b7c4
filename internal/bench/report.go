package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what one scenario measured.
type Report struct {
	Scenario string `json:"scenario"`
	// Params are the sizes the scenario ran with, for the record.
	Params map[string]any `json:"params"`
	Rows   []Row          `json:"rows"`
}

// Row is one measured figure. Floor, when set, is the same figure for the
// floor measured in the same run, and Ratio is Value/Floor (Tapedeck over
// floor): for a throughput 1.0 is as fast as the floor, for a latency or a
// size 1.0 is as small.
type Row struct {
	Name  string   `json:"name"`
	Value float64  `json:"value"`
	Unit  string   `json:"unit"`
	Floor *float64 `json:"floor,omitempty"`
	Ratio *float64 `json:"ratio,omitempty"`
}

// Add appends a figure without a floor.
func (r *Report) Add(name string, value float64, unit string) {
	r.Rows = append(r.Rows, Row{Name: name, Value: value, Unit: unit})
}

// AddVsFloor appends a figure with its floor measured in the same run.
func (r *Report) AddVsFloor(name string, value, floor float64, unit string) {
	ratio := value / floor
	r.Rows = append(r.Rows, Row{Name: name, Value: value, Unit: unit, Floor: &floor, Ratio: &ratio})
}

// Param records a size the scenario ran with.
func (r *Report) Param(name string, v any) {
	if r.Params == nil {
		r.Params = map[string]any{}
	}
	r.Params[name] = v
}

// Millis converts a duration to milliseconds for a row.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// WriteText prints the reports as aligned tables.
func WriteText(w io.Writer, reports []*Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, r := range reports {
		fmt.Fprintf(tw, "== %s %s\n", r.Scenario, params(r.Params))
		fmt.Fprintln(tw, "figure\tvalue\tunit\tfloor\tratio\t")
		for _, row := range r.Rows {
			floor, ratio := "", ""
			if row.Floor != nil {
				floor = num(*row.Floor)
			}
			if row.Ratio != nil {
				ratio = fmt.Sprintf("%.2f", *row.Ratio)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", row.Name, num(row.Value), row.Unit, floor, ratio)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// WriteJSON prints the reports as one JSON document.
func WriteJSON(w io.Writer, reports []*Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(reports)
}

func params(p map[string]any) string {
	if len(p) == 0 {
		return ""
	}
	b, _ := json.Marshal(p)
	return strings.ReplaceAll(string(b), `"`, "")
}

func num(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100 || v <= -100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1 || v <= -1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.4f", v)
}
