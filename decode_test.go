package keyfactor

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseTimeIsLenient(t *testing.T) {
	want := time.Date(2025, 3, 4, 9, 5, 27, 0, time.UTC)
	for _, s := range []string{"2025-03-04T09:05:27", "2025-03-04T09:05:27Z", "2025-03-04T11:05:27+02:00",
		"2025-03-04T09:05:27.000", "2025-03-04 09:05:27", " 2025-03-04T09:05:27 "} {
		got, err := parseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v, %v", s, got, err)
		}
	}
	if got, err := parseTime("2025-03-04"); err != nil || !got.Equal(time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date alone: %v, %v", got, err)
	}
	for _, bad := range []string{"yesterday", "04/03/2025", "2025-13-01T00:00:00"} {
		if _, err := parseTime(bad); err == nil {
			t.Errorf("parseTime(%q) succeeded", bad)
		}
	}
	var w wireTime
	if err := json.Unmarshal([]byte("null"), &w); err != nil || !w.t.IsZero() {
		t.Errorf("null: %v, %v", w.t, err)
	}
	if err := json.Unmarshal([]byte("20250304"), &w); err == nil {
		t.Error("a number decoded as a time")
	}
}

// FuzzParseTime: the time parser never panics, and what it accepts in the
// offset-less layout means UTC.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2025-03-04T09:05:27", "2025-03-04T09:05:27.1234567Z", "2025-03-04T11:05:27+02:00", "2025-03-04", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime(s)
		if err != nil {
			return
		}
		if tt, err2 := time.Parse("2006-01-02T15:04:05", s); err2 == nil && !got.Equal(tt.UTC()) {
			t.Fatalf("parseTime(%q) = %v, want UTC %v", s, got, tt)
		}
	})
}

// TestEnumerationsDecodeFromNumbersOrNames: newer servers send some
// enumerations by name (the name is in the ...String field); a certificate
// never fails to decode for it.
func TestEnumerationsDecodeFromNumbersOrNames(t *testing.T) {
	for in, want := range map[string]int{`1`: 1, `"2"`: 2, `" 3 "`: 3, `"Active"`: 0, `null`: 0, `4.0`: 4, `-1`: -1,
		`"\u0035"`: 5, `"Revoked\"x"`: 0} {
		var f flexInt
		if err := json.Unmarshal([]byte(in), &f); err != nil || int(f) != want {
			t.Errorf("%s: %d, %v; want %d", in, f, err, want)
		}
	}
	for _, in := range []string{`{}`, `[1]`, `true`} {
		var f flexInt
		if err := json.Unmarshal([]byte(in), &f); err == nil {
			t.Errorf("%s decoded", in)
		}
	}
	var w Certificate
	if err := json.Unmarshal([]byte(`{"Id":1,"CertState":"Active","KeyType":"RSA","RevocationReason":"KeyCompromise"}`), &w); err != nil ||
		w.RevocationReason == nil {
		t.Errorf("names: %+v, %v", w, err)
	}
}
