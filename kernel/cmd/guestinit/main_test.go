package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestJSONOutcomes(t *testing.T) {
	report := map[string]any{
		"socket": "/tmp/xdg-runtime/wayland-0",
		"outcomes": []map[string]any{
			{"scenario": "shrink-after-map", "result": "disconnected", "bystander": map[string]int{"frames": 3}},
		},
	}
	indented, _ := json.MarshalIndent(report, "", "  ")
	text := "[1/1] shrink-after-map  disconnected\n" + string(indented) + "\n" +
		`log line {"result":"survived","scenario":"x"}` + "\n{not json\n"
	got := jsonOutcomes(text)
	if len(got) != 2 {
		t.Fatalf("got %d outcomes: %s", len(got), got)
	}
	if !strings.Contains(string(got[0]), `"shrink-after-map"`) || !strings.Contains(string(got[1]), `"survived"`) {
		t.Errorf("outcomes = %s", got)
	}
}
