package prommetrics_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/middleware"
)

// The dashboard's panels and the alert rules query metrics this package
// exports, with label values it uses: a renamed metric fails here, not on
// an operator's screen.
func TestDashboardAndAlertsQueryMetricsThatExist(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.FailNext(1, http.StatusInternalServerError)
	m, c := instrumented(t, client(t, srv.URL()))
	serve(m.Handler(nop), "ann") // one failed call and one success: the histogram exists
	flush(t, m)
	exported := gather(t, c)

	raw, err := os.ReadFile("dashboard.json")
	require.NoError(t, err)
	var dashboard struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	require.NoError(t, json.Unmarshal(raw, &dashboard))
	require.NotEmpty(t, dashboard.Panels)
	queries := map[string]string{}
	for _, p := range dashboard.Panels {
		require.NotEmpty(t, p.Targets, p.Title)
		for _, target := range p.Targets {
			queries["panel "+p.Title] += target.Expr + "\n"
		}
	}
	rules, err := os.ReadFile("alerts.yml")
	require.NoError(t, err)
	queries["alerts.yml"] = string(rules)

	metric := regexp.MustCompile(`\bautoidentify_[a-z_]+`)
	label := regexp.MustCompile(`\b(reason|result)\s*!?=~?\s*"([^"]*)"`)
	labelValues := map[string][]string{"reason": {}, "result": {"success"}}
	for _, r := range middleware.NoUserReasons {
		labelValues["reason"] = append(labelValues["reason"], string(r))
	}
	for _, r := range []middleware.Reason{middleware.ReasonRateLimited, middleware.ReasonUnauthorized, middleware.ReasonClientError,
		middleware.ReasonServerError, middleware.ReasonNetwork, middleware.ReasonProfileLoader, middleware.ReasonOther} {
		labelValues["reason"] = append(labelValues["reason"], string(r))
		labelValues["result"] = append(labelValues["result"], string(r))
	}
	seen := map[string]bool{}
	for where, q := range queries {
		names := metric.FindAllString(q, -1)
		require.NotEmpty(t, names, where)
		for _, name := range names {
			base := name
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				if b, ok := strings.CutSuffix(name, suffix); ok && exported[b] != nil {
					base = b
				}
			}
			assert.Contains(t, exported, base, "%s queries %s, which is not exported", where, name)
			seen[base] = true
		}
		for _, l := range label.FindAllStringSubmatch(q, -1) {
			assert.True(t, slices.Contains(labelValues[l[1]], l[2]), "%s: %s=%q is no value of the label", where, l[1], l[2])
		}
	}
	for name := range exported {
		assert.True(t, seen[name], "the dashboard or the alerts should show %s", name)
	}
}
