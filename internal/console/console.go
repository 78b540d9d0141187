// Package console serves the web console, a single-page application built from
// web/ by `make check-web` into dist/ and embedded here, so that the binary needs
// no npm and no other host: index.html for every page under /app/, the hashed
// assets under /app/assets/ with a year's cache.
package console

import (
	"bytes"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed dist
var dist embed.FS

// Prefix is where the console is served.
const Prefix = "/app/"

// contentSecurityPolicy lets the console load only from its own origin (the
// websocket of the subscription included) and never be framed.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler serves the console under Prefix. Mount it at "GET /app/".
func Handler() http.Handler {
	files, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time: it is there
	}
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		panic("console: dist/index.html is missing; run make check-web")
	}
	return handler{files: files, index: index}
}

type handler struct {
	files fs.FS
	index []byte
}

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, Prefix)
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(name, "assets/") {
		// Hashed names: a changed file is a new name, so it may be cached for good.
		b, err := fs.ReadFile(h.files, path.Clean(name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		hd.Set("Content-Type", ctype)
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
		return
	}
	// Every other path is a page of the single-page application: its index, never
	// cached, so a new release is picked up on the next load.
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.index))
}
