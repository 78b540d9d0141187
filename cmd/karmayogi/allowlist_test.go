package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/graph"
)

// TestAllowlistCommand builds the persisted-query allowlist from the TypeScript
// client, as a deployment does, and reads it back as the server does: the
// client's documents, in its own spacing, are allowed; others are not.
func TestAllowlistCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "operations.json")
	code, _, stderr := runCLI(t, "allowlist", "--out", out, "../../clients/typescript/src")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var docs map[string]string
	if err := json.Unmarshal(b, &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) < 8 || !strings.Contains(stderr, "query Viewer") {
		t.Fatalf("%d documents: %s", len(docs), stderr)
	}
	for hash, doc := range docs {
		if sum := sha256.Sum256([]byte(doc)); hex.EncodeToString(sum[:]) != hash {
			t.Errorf("%s is not the hash of its document", hash)
		}
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	allow, err := graph.ReadAllowlist(f)
	if err != nil || allow.Len() != len(docs) {
		t.Fatalf("read back: %v (%d documents)", err, allow.Len())
	}
	src, err := os.ReadFile("../../clients/typescript/src/scenarios/10-sign-in.ts")
	if err != nil {
		t.Fatal(err)
	}
	viewer := clientDocument.FindStringSubmatch(string(src))[1]
	if !allow.Allows(viewer) || !allow.Allows("# a comment\n"+strings.ReplaceAll(viewer, "\n", " ")) {
		t.Errorf("the client's own document is not allowed: %s", viewer)
	}
	if allow.Allows(`query Viewer { viewer { id name email } }`) {
		t.Error("a document the client does not send is allowed")
	}

	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "op.ts"), []byte("const Q = graphql(`query Q { nosuchField }`);"), 0o644)
	if code, _, stderr := runCLI(t, "allowlist", bad); code != 1 || !strings.Contains(stderr, "nosuchField") {
		t.Errorf("a document the schema refuses: exit %d: %s", code, stderr)
	}
}
