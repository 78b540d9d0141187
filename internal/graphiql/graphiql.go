// Package graphiql serves GraphiQL, the in-browser GraphQL IDE, from files
// embedded in the binary: the page at / and its scripts and styles under
// /graphiql/. Nothing is loaded from another host, so it works on an intranet
// with no internet access.
//
// The third-party files in assets/ (GraphiQL, React, ReactDOM and their licences)
// are copies from clients/graphiql/node_modules at the versions its lockfile
// pins, made by clients/graphiql/copy (make graphiql-assets); make check-graphiql
// fails when they differ from a fresh npm ci. index.html and init.js are ours.
package graphiql

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed assets
var files embed.FS

// AssetPrefix is the path under which the page's scripts and styles are served.
const AssetPrefix = "/graphiql/"

// Handler serves GraphiQL's page at / (pointed at /graphql on the same origin)
// and its assets under AssetPrefix; any other path is not found.
func Handler() http.Handler {
	assets, err := fs.Sub(files, "assets")
	if err != nil {
		panic(err) // the embedded directory exists: it is compiled in
	}
	static := http.StripPrefix(AssetPrefix[:len(AssetPrefix)-1], http.FileServerFS(assets))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		switch {
		case r.URL.Path == "/":
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, assets, "index.html")
		case strings.HasPrefix(r.URL.Path, AssetPrefix) && r.URL.Path != AssetPrefix && r.URL.Path != AssetPrefix+"index.html":
			static.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}
