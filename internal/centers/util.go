package centers

import "strconv"

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }

func formatCoord(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
