package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// The histogram is log-linear, like HdrHistogram: durations below subCount
// nanoseconds get a bucket each, and every power of two above that is cut
// into subCount equal buckets. A bucket is therefore at most 1/subCount
// (1.6 %) of its lower bound wide, and a quantile read at a bucket's middle
// is within 0.8 % of a recorded value. The whole int64 range fits in
// nBuckets counters (about 29 KiB), whatever the number of recordings.
const (
	subBits  = 6
	subCount = 1 << subBits
	nBuckets = (64 - subBits) * subCount
)

// Histogram records durations in bounded memory. The zero value is empty
// and ready. It is not safe for concurrent use: give each goroutine its own
// and Merge them.
type Histogram struct {
	counts   [nBuckets]uint64
	n        uint64
	sum      float64 // nanoseconds; float so that it cannot overflow
	min, max time.Duration
}

// bucketOf returns the bucket index of v ≥ 0.
func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	shift := bits.Len64(v) - 1 - subBits // ≥ 0
	mantissa := v >> uint(shift)         // in [subCount, 2·subCount)
	return (shift+1)*subCount + int(mantissa-subCount)
}

// bucketBounds returns the smallest and largest value of bucket i.
func bucketBounds(i int) (lo, hi uint64) {
	if i < subCount {
		return uint64(i), uint64(i)
	}
	shift := uint(i/subCount - 1)
	mantissa := uint64(i%subCount + subCount)
	lo = mantissa << shift
	return lo, lo + (uint64(1) << shift) - 1
}

// Record adds one duration; a negative one counts as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += float64(d)
}

// Merge adds every recording of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Count is the number of recordings.
func (h *Histogram) Count() uint64 { return h.n }

// Min and Max are exact; zero when empty.
func (h *Histogram) Min() time.Duration { return h.min }

// Max is the longest recording; zero when empty.
func (h *Histogram) Max() time.Duration { return h.max }

// Mean is exact (to float rounding); zero when empty.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) by the nearest-rank method:
// the smallest recording with at least q·Count recordings at or below it,
// read as the middle of its bucket and clamped to [Min, Max]. Quantile(0)
// is Min and Quantile(1) is Max. An empty histogram gives zero.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	switch {
	case q <= 0 || math.IsNaN(q):
		return h.min
	case q >= 1:
		return h.max
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketBounds(i)
			mid := time.Duration(lo + (hi-lo)/2)
			return min(max(mid, h.min), h.max)
		}
	}
	return h.max
}
