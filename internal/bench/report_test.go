package bench

import (
	"bytes"
	"strings"
	"testing"
)

func TestMedianReportTakesEachFiguresMedian(t *testing.T) {
	var runs []*Report
	for _, v := range []float64{30, 10, 20} {
		r := &Report{}
		r.Param("clients", 8)
		r.Add("latency", v, "ms")
		r.AddVsFloor("throughput", v, v/2, "MB/s")
		runs = append(runs, r)
	}
	runs[1].Add("only in one run", 7, "x")
	m := medianReport(runs)
	if m.Params["runs"] != 3 || m.Params["clients"] != 8 {
		t.Fatalf("params = %v", m.Params)
	}
	want := map[string]float64{"latency": 20, "throughput": 20, "only in one run": 7}
	if len(m.Rows) != len(want) {
		t.Fatalf("rows = %+v", m.Rows)
	}
	for _, row := range m.Rows {
		if row.Value != want[row.Name] {
			t.Errorf("%s = %v, want %v", row.Name, row.Value, want[row.Name])
		}
	}
	tp := m.Rows[1]
	if tp.Floor == nil || *tp.Floor != 10 || *tp.Ratio != 2 {
		t.Errorf("throughput floor/ratio = %v/%v, want 10/2", tp.Floor, tp.Ratio)
	}
	var out bytes.Buffer
	if err := WriteText(&out, []*Report{m}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "runs:3") || !strings.Contains(out.String(), "2.00") {
		t.Errorf("text report lacks the runs or the ratio:\n%s", out.String())
	}
}

func TestMedianReportOfOneRunIsThatRun(t *testing.T) {
	r := &Report{}
	r.Add("x", 1, "u")
	if medianReport([]*Report{r}) != r {
		t.Error("one run was rebuilt")
	}
}
