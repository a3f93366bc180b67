package harness

import "bytes"
import "image/png"
import "math"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

func TestPercentile(t *testing.T) {
	t.Parallel()
	samples := make([]time.Duration, 100)
	for i := range samples {
		samples[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, tc := range []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"none", nil, 50, 0},
		{"one", []time.Duration{7}, 99, 7},
		{"p50 of 100", samples, 50, 50 * time.Millisecond},
		{"p99 of 100", samples, 99, 99 * time.Millisecond},
		{"p100 of 100", samples, 100, 100 * time.Millisecond},
		{"p1 of 100", samples, 1, time.Millisecond},
		{"p50 of 3", []time.Duration{1, 2, 3}, 50, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, Percentile(tc.samples, tc.p))
		})
	}
}

func TestChartRendersPNG(t *testing.T) {
	t.Parallel()
	c := Chart{
		Title: "t", XLabel: "workers", YLabel: "tasks/s",
		X: []string{"10", "100", "1000"},
		Series: []Series{
			{Name: "a", Values: []float64{100, 2000, 3000}},
			{Name: "b", Values: []float64{50, math.NaN(), 1500}},
		},
	}
	var buf bytes.Buffer
	require.NoError(t, c.WritePNG(&buf))
	img, err := png.Decode(&buf)
	require.NoError(t, err)
	require.Equal(t, chartW, img.Bounds().Dx())
	require.Equal(t, chartH, img.Bounds().Dy())
	// The first series' colour is drawn somewhere.
	want := seriesColors[0]
	found := false
	for y := 0; y < chartH && !found; y++ {
		for x := 0; x < chartW; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == want.R && uint8(g>>8) == want.G && uint8(b>>8) == want.B {
				found = true
				break
			}
		}
	}
	require.True(t, found, "the first series is not drawn")
}

func TestNiceStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ raw, want float64 }{
		{0, 1}, {0.7, 1}, {1.5, 2}, {3, 5}, {7, 10}, {1200, 2000}, {4000, 5000},
	} {
		require.Equal(t, tc.want, niceStep(tc.raw), "niceStep(%v)", tc.raw)
	}
}
