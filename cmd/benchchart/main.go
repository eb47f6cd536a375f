// Command benchchart draws the results of `loadgen bench-cluster` (its JSON
// file) as a PNG: committed ops/s and submit-to-ack p99 of Weft and the
// reference ShareDB server, per scenario, side by side.
//
// Usage: benchchart --in bench-cluster-results.json --out docs/bench-cluster.png
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchchart:", err)
		os.Exit(1)
	}
}

// results is the part of loadgen's bench-cluster JSON the chart uses.
type results struct {
	Instances int `json:"instances"`
	Rows      []struct {
		Scenario string `json:"scenario"`
		Target   string `json:"target"`
		Median   struct {
			OpsPerSec float64 `json:"ops_per_sec"`
			AckP99Ms  float64 `json:"ack_p99_ms"`
		} `json:"median"`
	} `json:"rows"`
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchchart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "bench-cluster-results.json", "loadgen bench-cluster results")
	out := fs.String("out", "docs/bench-cluster.png", "PNG to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	var r results
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	return draw2(r, *out)
}

// series returns, per target, the metric of each scenario in order.
func series(r results, scenarios []string, get func(ops, p99 float64) float64) (weft, ref plotter.Values, err error) {
	for _, sc := range scenarios {
		var w, f *float64
		for _, row := range r.Rows {
			if row.Scenario != sc {
				continue
			}
			v := get(row.Median.OpsPerSec, row.Median.AckP99Ms)
			switch row.Target {
			case "weft":
				w = &v
			case "reference":
				f = &v
			}
		}
		if w == nil || f == nil {
			return nil, nil, fmt.Errorf("scenario %s lacks weft or reference results", sc)
		}
		weft, ref = append(weft, *w), append(ref, *f)
	}
	return weft, ref, nil
}

// barPlot makes one grouped bar chart of weft against the reference.
func barPlot(title, ylabel string, scenarios []string, weft, ref plotter.Values) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	w := vg.Points(28)
	bw, err := plotter.NewBarChart(weft, w)
	if err != nil {
		return nil, err
	}
	br, err := plotter.NewBarChart(ref, w)
	if err != nil {
		return nil, err
	}
	bw.Color = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	br.Color = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
	bw.Offset, br.Offset = -w/2, w/2
	p.Add(bw, br)
	p.Legend.Add("Weft", bw)
	p.Legend.Add("ShareDB 7 (sharedb-postgres)", br)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(40)
	p.NominalX(scenarios...)
	return p, nil
}

// draw2 writes the two charts side by side into out.
func draw2(r results, out string) error {
	scenarios := []string{"hot", "spread"}
	ow, or, err := series(r, scenarios, func(ops, _ float64) float64 { return ops })
	if err != nil {
		return err
	}
	pw, pr, err := series(r, scenarios, func(_, p99 float64) float64 { return p99 })
	if err != nil {
		return err
	}
	if r.Instances == 0 {
		return errors.New("results name no instance count")
	}
	sub := fmt.Sprintf(" (%d instances, Postgres + Redis)", r.Instances)
	tp, err := barPlot("Committed ops/s"+sub, "ops/s (higher is better)", scenarios, ow, or)
	if err != nil {
		return err
	}
	lp, err := barPlot("Submit-to-ack p99"+sub, "ms (lower is better)", scenarios, pw, pr)
	if err != nil {
		return err
	}
	img := vgimg.New(vg.Points(900), vg.Points(360))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Points(12), PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(6)}
	canvases := plot.Align([][]*plot.Plot{{tp, lp}}, tiles, dc)
	tp.Draw(canvases[0][0])
	lp.Draw(canvases[0][1])
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", out, err)
	}
	return f.Close()
}
