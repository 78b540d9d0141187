package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/openkarmayogi/karmayogi/graph"
)

// clientDocument finds the GraphQL documents in a client's source: the template
// literals of graphql(`...`) (GraphQL Code Generator's client preset) and gql`...`.
var clientDocument = regexp.MustCompile("(?s)(?:\\bgraphql\\(\\s*|\\bgql)`([^`]*)`")

// allowlistCommand writes the persisted-query allowlist of a deployment's clients:
// every operation in their source, checked against the schema, as a JSON object of
// canonical documents by their SHA-256, for KARMAYOGI_APQ_ALLOWLIST.
func allowlistCommand(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fset := newFlags("allowlist", stderr)
	out := fset.String("out", "", "file to write (default: standard output)")
	if err := parse(fset, args); err != nil {
		return 2, err
	}
	if fset.NArg() == 0 {
		fmt.Fprintln(stderr, "karmayogi allowlist: name the client source directories, e.g. clients/typescript/src")
		return 2, errUsage
	}
	docs := map[string]string{}
	for _, root := range fset.Args() {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && (d.Name() == "node_modules" || d.Name() == "gql" || d.Name() == "dist"):
				return filepath.SkipDir // dependencies and generated code
			case d.IsDir():
				return nil
			}
			var bodies []string
			switch filepath.Ext(path) {
			case ".ts", ".tsx", ".js", ".mjs", ".jsx":
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				for _, m := range clientDocument.FindAllStringSubmatch(string(b), -1) {
					bodies = append(bodies, m[1])
				}
			case ".graphql", ".gql":
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				bodies = append(bodies, string(b))
			}
			for _, body := range bodies {
				if strings.Contains(body, "${") {
					return fmt.Errorf("%s: a document built with ${...} cannot be allowlisted", path)
				}
				canon, err := graph.CanonicalDocument(body)
				if err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				sum := sha256.Sum256([]byte(canon))
				docs[hex.EncodeToString(sum[:])] = canon
			}
			return nil
		})
		if err != nil {
			return 1, err
		}
	}
	if len(docs) == 0 {
		return 1, fmt.Errorf("no GraphQL documents found in %s", strings.Join(fset.Args(), ", "))
	}
	b, err := json.MarshalIndent(docs, "", "  ") // keys sorted: the same clients make the same file
	if err != nil {
		return 1, err
	}
	b = append(b, '\n')
	if *out == "" {
		_, err = stdout.Write(b)
	} else {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		return 1, err
	}
	names := make([]string, 0, len(docs))
	for _, d := range docs {
		names = append(names, strings.TrimSuffix(strings.SplitN(strings.TrimSpace(d), "\n", 2)[0], " {"))
	}
	sort.Strings(names)
	fmt.Fprintf(stderr, "allowlist: %d operations: %s\n", len(docs), strings.Join(names, "; "))
	return 0, nil
}
