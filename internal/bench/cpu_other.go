//go:build !unix

package bench

import "time"

// processCPU is not measured here: the report leaves the CPU columns out.
func processCPU() time.Duration { return 0 }
