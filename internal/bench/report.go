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

// medianReport combines the reports of several runs of one scenario: each
// figure is the median of its values over the runs that reported it, and
// so are its floor and its ratio (the median of each run's own ratio, as
// each ratio compares figures measured side by side). Params come from
// the first run, with the number of runs added.
func medianReport(runs []*Report) *Report {
	if len(runs) == 1 {
		return runs[0]
	}
	out := &Report{Params: map[string]any{}}
	for k, v := range runs[0].Params {
		out.Params[k] = v
	}
	out.Params["runs"] = len(runs)
	type samples struct{ values, floors, ratios []float64 }
	byName := map[string]*samples{}
	for _, r := range runs {
		for _, row := range r.Rows {
			s := byName[row.Name]
			if s == nil {
				s = &samples{}
				byName[row.Name] = s
				out.Rows = append(out.Rows, Row{Name: row.Name, Unit: row.Unit})
			}
			s.values = append(s.values, row.Value)
			if row.Floor != nil {
				s.floors = append(s.floors, *row.Floor)
				s.ratios = append(s.ratios, *row.Ratio)
			}
		}
	}
	for i := range out.Rows {
		s := byName[out.Rows[i].Name]
		out.Rows[i].Value = Median(s.values)
		if len(s.floors) > 0 {
			floor, ratio := Median(s.floors), Median(s.ratios)
			out.Rows[i].Floor, out.Rows[i].Ratio = &floor, &ratio
		}
	}
	return out
}
