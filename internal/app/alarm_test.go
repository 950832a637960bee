package app

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestBudgetAlarm: every SMS a spent budget refuses is counted, and the log
// gets one error per budget per minute, not one per refused SMS.
func TestBudgetAlarm(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	reg := prometheus.NewRegistry()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	alarm := budgetAlarm(reg, log, func() time.Time { return now })
	for range 5 {
		alarm("sms.minute")
	}
	alarm("prefix +")
	now = now.Add(61 * time.Second)
	alarm("sms.minute")

	if got := strings.Count(buf.String(), "SMS budget reached"); got != 3 {
		t.Errorf("%d alerts in the log, want 3 (two budgets, one of them again a minute later):\n%s", got, buf.String())
	}
	if !strings.Contains(buf.String(), "level=ERROR") || !strings.Contains(buf.String(), `budget="prefix +"`) {
		t.Errorf("alert lacks its level or budget:\n%s", buf.String())
	}
	got := map[string]float64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	if got["sms.minute"] != 6 || got["prefix +"] != 1 {
		t.Errorf("kabinet_sms_budget_reached_total = %v, want sms.minute 6, prefix + 1", got)
	}
}
