package recording

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/store"
)

// addMany adds n recordings with random aggregates to the fixture's
// project, with few distinct values per field so that ties are common.
func addMany(t testing.TB, f *fixture, n int) []store.Recording {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	recs := make([]store.Recording, n)
	for i := range recs {
		start := testNow.Add(-time.Duration(rng.IntN(20*24*60)) * time.Minute)
		dur := int64(rng.IntN(8)) * 1500 // ties, and whole and half seconds
		recs[i] = store.Recording{ProjectID: f.project.ID, SessionID: fmt.Sprintf("m%04d", i), DistinctID: "many",
			FirstTS: ms(start), LastTS: ms(start) + dur, ActiveMS: int64(rng.IntN(5)) * 777,
			ClickCount: rng.IntN(4), KeypressCount: rng.IntN(3), MouseActivityCount: rng.IntN(5) * rng.IntN(2),
			ConsoleLogCount: rng.IntN(2), ConsoleWarnCount: rng.IntN(2), ConsoleErrorCount: rng.IntN(3),
			SnapshotSource: "web", Activity: []byte{}, CreatedAt: start, LastIngestedAt: start}
	}
	err := f.st.Write(context.Background(), func(tx *store.Tx) error {
		for i := range recs {
			if err := tx.PutRecording(context.Background(), &recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestListOrdersMatchCompute sorts many recordings, with many ties, by
// every order in both directions and compares with a sort in Go over the
// fields Compute derives: the SQL and Go formulas agree, the session id
// breaks ties, and a null activity score comes last.
func TestListOrdersMatchCompute(t *testing.T) {
	f := newFixture(t)
	recs := addMany(t, f, 400)
	ctx := context.Background()
	// The fixture's own recordings take part too.
	for _, id := range all {
		r, err := f.st.Recording(ctx, f.project.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	type keyed struct {
		id    string
		key   float64
		null  bool
		score *float64
	}
	value := map[string]func(store.Recording, Computed) (float64, bool){
		OrderStartTime:          func(r store.Recording, _ Computed) (float64, bool) { return float64(r.FirstTS), false },
		OrderRecordingTTL:       func(r store.Recording, _ Computed) (float64, bool) { return float64(r.FirstTS), false },
		OrderDuration:           func(_ store.Recording, c Computed) (float64, bool) { return float64(c.DurationSeconds), false },
		OrderRecordingDuration:  func(_ store.Recording, c Computed) (float64, bool) { return float64(c.DurationSeconds), false },
		OrderActiveSeconds:      func(_ store.Recording, c Computed) (float64, bool) { return c.ActiveSeconds, false },
		OrderInactiveSeconds:    func(_ store.Recording, c Computed) (float64, bool) { return c.InactiveSeconds, false },
		OrderConsoleErrorCount:  func(r store.Recording, _ Computed) (float64, bool) { return float64(r.ConsoleErrorCount), false },
		OrderClickCount:         func(r store.Recording, _ Computed) (float64, bool) { return float64(r.ClickCount), false },
		OrderKeypressCount:      func(r store.Recording, _ Computed) (float64, bool) { return float64(r.KeypressCount), false },
		OrderMouseActivityCount: func(r store.Recording, _ Computed) (float64, bool) { return float64(r.MouseActivityCount), false },
		OrderActivityScore: func(_ store.Recording, c Computed) (float64, bool) {
			if c.ActivityScore == nil {
				return 0, true
			}
			return *c.ActivityScore, false
		},
	}
	for _, order := range orderNames {
		for _, asc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s asc=%v", order, asc), func(t *testing.T) {
				var want []keyed
				for _, r := range recs {
					c := Compute(r, 30, testNow)
					k, null := value[order](r, c)
					want = append(want, keyed{id: r.SessionID, key: k, null: null})
				}
				slices.SortFunc(want, func(a, b keyed) int {
					if a.null != b.null {
						if a.null {
							return 1
						}
						return -1
					}
					d := cmp.Compare(a.key, b.key)
					if !asc {
						d = -d
					}
					return cmp.Or(d, cmp.Compare(a.id, b.id))
				})
				ids := make([]string, len(want))
				for i, w := range want {
					ids[i] = w.id
				}
				got, _ := f.run(t, Query{Order: order, Ascending: asc, Limit: MaxLimit})
				check(t, order, got, ids)
			})
		}
	}
}

// TestActivityScoreFilterMatchesCompute asks for each recording by the
// activity score Compute shows for it: the SQL rounding is Compute's.
func TestActivityScoreFilterMatchesCompute(t *testing.T) {
	f := newFixture(t)
	recs := addMany(t, f, 200)
	for _, r := range recs {
		c := Compute(r, 30, testNow)
		q := Query{SessionIDs: []string{r.SessionID}, Limit: 1}
		// A null score satisfies is_not with any value, and only such a
		// score does for a recording whose score is not 0.
		score := filter{kind: kindRecording, key: "activity_score", op: opIsNot, numbers: []float64{0}}
		if c.ActivityScore != nil {
			score = filter{kind: kindRecording, key: "activity_score", op: opExact, numbers: []float64{*c.ActivityScore}}
		}
		q.having = []filter{score}
		got, _ := f.run(t, q)
		check(t, fmt.Sprintf("%s score %v", r.SessionID, c.ActivityScore), got, []string{r.SessionID})
		inactive := filter{kind: kindRecording, key: "inactive_seconds", op: opExact, numbers: []float64{c.InactiveSeconds}}
		q.having = []filter{inactive}
		got, _ = f.run(t, q)
		check(t, fmt.Sprintf("%s inactive %v", r.SessionID, c.InactiveSeconds), got, []string{r.SessionID})
	}
}

func TestRetentionFrom(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 500_000, time.UTC)
	from := RetentionFrom(30, now)
	if Expired(from, 30, now) {
		t.Errorf("%d is the first start kept, but Expired says it is gone", from)
	}
	if !Expired(from-1, 30, now) {
		t.Errorf("%d is before the first start kept, but Expired keeps it", from-1)
	}
}
