package bench

import (
	"math"
	"sort"
)

// Stats summarises the repeated samples of one metric.
type Stats struct {
	// N is the number of samples.
	N int `json:"n"`
	// Median is the middle sample, or the mean of the two middle ones.
	Median float64 `json:"median"`
	// Min and Max give the spread.
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	// Samples are the values in the order they were measured.
	Samples []float64 `json:"samples"`
}

// Summarize returns the median and spread of samples; the zero Stats for
// none. NaN samples are left out.
func Summarize(samples []float64) Stats {
	var vals []float64
	for _, v := range samples {
		if !math.IsNaN(v) {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return Stats{}
	}
	s := Stats{N: len(vals), Samples: append([]float64(nil), vals...)}
	sort.Float64s(vals)
	s.Min, s.Max = vals[0], vals[len(vals)-1]
	mid := len(vals) / 2
	if len(vals)%2 == 1 {
		s.Median = vals[mid]
	} else {
		s.Median = (vals[mid-1] + vals[mid]) / 2
	}
	return s
}
