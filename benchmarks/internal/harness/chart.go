package harness

import "fmt"
import "image"
import "image/color"
import "image/draw"
import "image/png"
import "io"
import "math"
import "strconv"

import "golang.org/x/image/font"
import "golang.org/x/image/font/basicfont"
import "golang.org/x/image/math/fixed"

// Series is one line of a chart: a value per x position, NaN for none.
type Series struct {
	Name   string
	Values []float64
}

// Chart is a line chart over categorical x positions.
type Chart struct {
	Title  string
	XLabel string
	YLabel string
	// X are the labels of the x positions, spaced evenly.
	X      []string
	Series []Series
}

// chart geometry and colours.
const (
	chartW, chartH = 900, 520
	marginL        = 90
	marginR        = 30
	marginT        = 50
	marginB        = 70
)

var (
	colBackground = color.RGBA{255, 255, 255, 255}
	colAxis       = color.RGBA{40, 40, 40, 255}
	colGrid       = color.RGBA{225, 225, 225, 255}
	colText       = color.RGBA{20, 20, 20, 255}
	seriesColors  = []color.RGBA{
		{31, 119, 180, 255}, // blue
		{214, 39, 40, 255},  // red
		{44, 160, 44, 255},  // green
		{255, 127, 14, 255}, // orange
		{148, 103, 189, 255},
	}
)

// Render draws the chart.
func (c Chart) Render() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, chartW, chartH))
	draw.Draw(img, img.Bounds(), &image.Uniform{colBackground}, image.Point{}, draw.Src)
	plotW, plotH := chartW-marginL-marginR, chartH-marginT-marginB

	maxV := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				maxV = math.Max(maxV, v)
			}
		}
	}
	step := niceStep(maxV / 5)
	top := step * math.Ceil(maxV/step)
	if top <= 0 {
		top, step = 1, 0.2
	}
	yOf := func(v float64) int { return marginT + plotH - int(math.Round(v/top*float64(plotH))) }
	xOf := func(i int) int {
		if len(c.X) <= 1 {
			return marginL + plotW/2
		}
		pad := plotW / (2 * len(c.X))
		return marginL + pad + i*(plotW-2*pad)/(len(c.X)-1)
	}

	// Grid and y ticks.
	for v := 0.0; v <= top+step/2; v += step {
		y := yOf(v)
		hline(img, marginL, marginL+plotW, y, colGrid)
		label := formatThousands(v)
		text(img, marginL-8-textWidth(label), y+4, label)
	}
	// Axes.
	hline(img, marginL, marginL+plotW, marginT+plotH, colAxis)
	vline(img, marginL, marginT, marginT+plotH, colAxis)
	// x ticks.
	for i, l := range c.X {
		x := xOf(i)
		vline(img, x, marginT+plotH, marginT+plotH+5, colAxis)
		text(img, x-textWidth(l)/2, marginT+plotH+20, l)
	}
	// Labels.
	text(img, marginL+plotW/2-textWidth(c.XLabel)/2, chartH-20, c.XLabel)
	text(img, 10, marginT-15, c.YLabel)
	text(img, chartW/2-textWidth(c.Title)/2, 22, c.Title)

	// Lines, points, legend.
	for si, s := range c.Series {
		col := seriesColors[si%len(seriesColors)]
		prevX, prevY, have := 0, 0, false
		for i, v := range s.Values {
			if i >= len(c.X) || math.IsNaN(v) {
				have = false
				continue
			}
			x, y := xOf(i), yOf(v)
			if have {
				thickLine(img, prevX, prevY, x, y, col)
			}
			dot(img, x, y, col)
			prevX, prevY, have = x, y, true
		}
		ly := marginT + 10 + si*18
		lx := marginL + 15
		thickLine(img, lx, ly, lx+24, ly, col)
		text(img, lx+32, ly+4, s.Name)
	}
	return img
}

// WritePNG renders the chart as a PNG to w.
func (c Chart) WritePNG(w io.Writer) error { return png.Encode(w, c.Render()) }

// niceStep rounds raw up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// formatThousands formats v as an integer with thousands separators.
func formatThousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	out := ""
	for len(s) > 3 {
		out = "," + s[len(s)-3:] + out
		s = s[:len(s)-3]
	}
	out = s + out
	if neg {
		out = "-" + out
	}
	return out
}

var face = basicfont.Face7x13

func textWidth(s string) int { return font.MeasureString(face, s).Round() }

func text(img *image.RGBA, x, y int, s string) {
	d := &font.Drawer{Dst: img, Src: image.NewUniform(colText), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func hline(img *image.RGBA, x0, x1, y int, c color.RGBA) {
	for x := x0; x <= x1; x++ {
		img.SetRGBA(x, y, c)
	}
}

func vline(img *image.RGBA, x, y0, y1 int, c color.RGBA) {
	for y := y0; y <= y1; y++ {
		img.SetRGBA(x, y, c)
	}
}

// thickLine draws a 3-pixel wide line from (x0, y0) to (x1, y1).
func thickLine(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	n := max(abs(x1-x0), abs(y1-y0), 1)
	for i := 0; i <= n; i++ {
		x := x0 + (x1-x0)*i/n
		y := y0 + (y1-y0)*i/n
		for dx := -1; dx <= 1; dx++ {
			for dy := -1; dy <= 1; dy++ {
				img.SetRGBA(x+dx, y+dy, c)
			}
		}
	}
}

func dot(img *image.RGBA, x, y int, c color.RGBA) {
	for dx := -4; dx <= 4; dx++ {
		for dy := -4; dy <= 4; dy++ {
			if dx*dx+dy*dy <= 16 {
				img.SetRGBA(x+dx, y+dy, c)
			}
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// String describes the chart's data, for logs.
func (c Chart) String() string {
	return fmt.Sprintf("%s: %d series over %v", c.Title, len(c.Series), c.X)
}
