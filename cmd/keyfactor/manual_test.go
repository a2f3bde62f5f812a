package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra/doc"
)

var update = flag.Bool("update", false, "rewrite the CLI's manual pages in docs/ from the command tree")

// TestManualIsCurrent: docs/ holds one Markdown page per command, generated
// from the command tree by cobra/doc, so that the manual cannot drift from
// the commands. After changing a command, rewrite it:
//
//	go test ./cmd/keyfactor -run TestManualIsCurrent -update
func TestManualIsCurrent(t *testing.T) {
	a := &app{stdout: new(bytes.Buffer), stderr: new(bytes.Buffer)}
	root := a.rootCommand()
	root.DisableAutoGenTag = true // no date: the pages change only when the commands do
	dir := t.TempDir()
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		t.Fatal(err)
	}
	generated, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	if *update {
		old, _ := filepath.Glob(filepath.Join("docs", "*.md"))
		for _, p := range old {
			_ = os.Remove(p)
		}
		if err := os.MkdirAll("docs", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]bool{}
	for _, p := range generated {
		name := filepath.Base(p)
		want[name] = true
		body, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(filepath.Join("docs", name), body, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if have, err := os.ReadFile(filepath.Join("docs", name)); err != nil || !bytes.Equal(have, body) {
			t.Errorf("docs/%s is not current (go test ./cmd/keyfactor -run TestManualIsCurrent -update)", name)
		}
	}
	have, _ := filepath.Glob(filepath.Join("docs", "*.md"))
	for _, p := range have {
		if !want[filepath.Base(p)] {
			t.Errorf("docs/%s names no command (go test ./cmd/keyfactor -run TestManualIsCurrent -update)", filepath.Base(p))
		}
	}
	if len(generated) < 30 {
		t.Errorf("only %d pages generated", len(generated))
	}
}
