//go:build !unix

package main

import "time"

// processCPU is not measured here: the report leaves the CPU columns out.
func processCPU() time.Duration { return 0 }
