package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// enrolled issues a certificate on the fake through the CLI and returns its id.
func enrolled(t *testing.T, f *fake, cn string) string {
	t.Helper()
	out := decodeEnroll(t, cli(t, f.env, "", "cert", "enroll", "--subject", "CN="+cn, "--template", "WebServer", "--key-type", "ECC",
		"--out-dir", t.TempDir()))
	return strconv.Itoa(out.CertificateID)
}

func TestCertRevokeCommand(t *testing.T) {
	f := newFake(t)
	a, b := enrolled(t, f, "a.example.com"), enrolled(t, f, "b.example.com")
	r := cli(t, f.env, "", "cert", "revoke", a, "--reason", "superseded", "--comment", "replaced", "--plan")
	var out revokeOut
	if r.code != exitPlanChanges || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.WouldRevoke) != 1 {
		t.Fatalf("--plan: %+v", r)
	}
	r = cli(t, f.env, "", "cert", "revoke", a, "--reason", "superseded", "--comment", "replaced")
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Revoked) != 1 {
		t.Fatalf("revoke: %+v", r)
	}
	// A repeat, with another: exit 0, each in its list.
	r = cli(t, f.env, "", "cert", "revoke", a, b, "--reason", "key-compromise", "--comment", "again", "-o", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "certificate "+a+": already revoked") || !strings.Contains(r.stdout, "certificate "+b+": revoked") {
		t.Errorf("repeat: %+v", r)
	}
	for _, args := range [][]string{{a, "--reason", "superseded"}, {a, "--comment", "x"}, {a, "--reason", "bored", "--comment", "x"},
		{a, "--reason", "7", "--comment", "x"}, {"--reason", "superseded", "--comment", "x"}} {
		if r := cli(t, f.env, "", append([]string{"cert", "revoke"}, args...)...); r.code != exitInvalid {
			t.Errorf("%v: %+v", args, r)
		}
	}
}

// TestIrreversibleCommandsAskAtATerminal: at a terminal, revoke and delete
// want --yes; a script does not.
func TestIrreversibleCommandsAskAtATerminal(t *testing.T) {
	a := &app{stdinTerminal: true}
	if err := a.confirmed("revoking", false); err == nil || !strings.Contains(err.Error(), "--yes") {
		t.Errorf("at a terminal without --yes: %v", err)
	}
	if err := a.confirmed("revoking", true); err != nil {
		t.Errorf("with --yes: %v", err)
	}
	a.stdinTerminal = false
	if err := a.confirmed("revoking", false); err != nil {
		t.Errorf("a script: %v", err)
	}
}

func TestCertRenewMetadataHistoryDelete(t *testing.T) {
	f := newFake(t)
	f.AddMetadataField(keyfactortest.MetadataField{Name: "Team", Description: "d", DataType: "String"})
	f.AddMetadataField(keyfactortest.MetadataField{Name: "Cost", Description: "d", DataType: "Integer"})
	id := enrolled(t, f, "life.example.com")
	r := cli(t, f.env, "", "cert", "renew", id)
	out := decodeEnroll(t, r)
	if r.code != 0 || out.CertificateID == 0 || strconv.Itoa(out.CertificateID) == id {
		t.Fatalf("renew: %+v", r)
	}
	if r := cli(t, f.env, "", "cert", "metadata", "set", id, "Team=web"); r.code != 0 {
		t.Fatalf("metadata set: %+v", r)
	}
	if r := cli(t, f.env, "", "cert", "metadata", "set", id, "Cost=12"); r.code != 0 {
		t.Fatalf("metadata set: %+v", r)
	}
	if r := cli(t, f.env, "", "cert", "get", id, "--metadata"); !strings.Contains(r.stdout, `"Team": "web"`) || !strings.Contains(r.stdout, `"Cost": "12"`) {
		t.Errorf("the fields not named survive: %+v", r)
	}
	f.ResetRequests()
	if r := cli(t, f.env, "", "cert", "metadata", "set", id, "Cost=abc"); r.code != exitInvalid || !strings.Contains(r.stderr, "whole number") {
		t.Errorf("a bad value: %+v", r)
	}
	if r := cli(t, f.env, "", "cert", "metadata", "set", "--query", `IssuedCN -eq "life.example.com"`, "Team=ops"); r.code != 0 {
		t.Errorf("by query: %+v", r)
	}
	r = cli(t, f.env, "", "cert", "history", id, "-o", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "Renewed") || !strings.Contains(r.stdout, "MetadataUpdated") {
		t.Errorf("history: %+v", r)
	}
	if r := cli(t, f.env, "", "cert", "delete", id); r.code != 0 || !strings.Contains(r.stdout, `"Deleted": true`) {
		t.Errorf("delete: %+v", r)
	}
	if r := cli(t, f.env, "", "cert", "delete", id); r.code != exitNotFound {
		t.Errorf("delete again: %+v", r)
	}
}

func TestMetadataFieldCommands(t *testing.T) {
	f := newFake(t)
	file := writeFile(t, `[{"Name": "Env", "Description": "environment", "DataType": "MultipleChoice", "Options": ["dev", "prod"]},
	  {"Name": "Team", "Description": "owning team", "DataType": "String"}]`)
	if r := cli(t, f.env, "", "metadata-field", "apply", "--file", file, "-o", "text"); r.code != 0 ||
		!strings.Contains(r.stdout, `+ metadata field "Env"`) {
		t.Fatalf("apply: %+v", r)
	}
	if r := cli(t, f.env, "", "metadata-field", "apply", "--file", file, "--plan"); r.code != 0 {
		t.Errorf("a second plan changes nothing: %+v", r)
	}
	r := cli(t, f.env, "", "metadata-field", "list", "-o", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "MultipleChoice") || !strings.Contains(r.stdout, "dev,prod") {
		t.Errorf("list: %+v", r)
	}
	if r := cli(t, f.env, "", "metadata-field", "get", "--name", "Team"); r.code != 0 || !strings.Contains(r.stdout, `"DataType": "String"`) {
		t.Errorf("get: %+v", r)
	}
	if r := cli(t, f.env, "", "metadata-field", "delete", "--name", "Team"); r.code != 0 {
		t.Errorf("delete: %+v", r)
	}
	bad := writeFile(t, `{"Name": "Bad Name", "Description": "d", "DataType": "Color"}`)
	if r := cli(t, f.env, "", "metadata-field", "apply", "--file", bad); r.code != exitInvalid || !strings.Contains(r.stderr, "DataType") {
		t.Errorf("a bad field: %+v", r)
	}
}
