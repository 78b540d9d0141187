package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

// TestServesNothingFromAnotherHost starts the program as serve does (development,
// so GraphiQL is on; the web console too, wherever it is wired in) and crawls
// everything a browser would load from / and /app/: no page may load anything
// from another host, since an intranet has none to offer.
func TestServesNothingFromAnotherHost(t *testing.T) {
	m := &Main{
		Config: Config{DatabaseURL: storetest.OpenURL(t, "sqlite"), Addr: "127.0.0.1:0", Env: "development"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Notice: io.Discard,
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	c := crawl(t, m.Server.URL(), "/", "/app/")
	if len(c.problems) > 0 {
		t.Errorf("%d problems:\n%s", len(c.problems), strings.Join(c.problems, "\n"))
	}
	// GraphiQL is really there: its page, its scripts, its styles.
	for _, want := range []string{"/", "/graphiql/graphiql.min.js", "/graphiql/graphiql.min.css", "/graphiql/react.production.min.js",
		"/graphiql/react-dom.production.min.js", "/graphiql/init.js"} {
		if !slices.Contains(c.fetched, want) {
			t.Errorf("not loaded from /: %s (loaded %v)", want, c.fetched)
		}
	}
}

// TestCrawlerFindsExternalReferences checks the crawler itself on a site that
// plants one reference of each kind to another host, and the strings that name
// other hosts without loading anything from them.
func TestCrawlerFindsExternalReferences(t *testing.T) {
	site := map[string]struct{ typ, body string }{
		"/": {"text/html", `<!doctype html><html><head>
<link rel="stylesheet" href="/a.css"><link rel=icon href="https://icons.example.com/i.png">
<script type="module" src="a.js"></script><script src="//cdn.example.com/lib.js"></script>
<style>body { background: url('http://img.example.com/bg.png') }</style>
</head><body><img src="/missing.png"><img src="data:image/png;base64,AAAA">
<a href="https://igotkarmayogi.gov.in/">a link loads nothing</a>
<svg xmlns="http://www.w3.org/2000/svg"></svg></body></html>`},
		"/a.css": {"text/css", `@import "https://fonts.example.com/f.css"; @import url(b.css);
.x { background: url("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>") }`},
		"/b.css":   {"text/css", `.y { background: url(/pic.png) }`},
		"/pic.png": {"image/png", "PNG"},
		"/a.js": {"text/javascript", `import{h as x}from"./b.js";import "https://esm.example.com/m.js";
const l = import("http://chunks.example.com/c.js"); new Worker("./w.js"); new URL("https://parsed.example.com/");
const img = new URL("https://asset.example.com/a.png", import.meta.url);
const svg = "http://www.w3.org/2000/svg"; const e = "https://reactjs.org/docs/error-decoder.html?invariant=";
const hint = "on Node you can ` + "`import WebSocket from 'ws';`" + `";`},
		"/b.js": {"text/javascript", `export const h = 1; fetch("https://api.example.com/x"); new WebSocket("wss://ws.example.com/");`},
		"/w.js": {"text/javascript", `importScripts("https://worker.example.com/s.js");
throw new Error("on Node you can ` + "`import WebSocket from 'ws';`" + `")`},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := site[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/" {
			w.Header().Set("Link", "<https://preload.example.com/p.js>; rel=preload; as=script")
		}
		w.Header().Set("Content-Type", f.typ)
		fmt.Fprint(w, f.body)
	}))
	defer srv.Close()
	c := crawl(t, srv.URL, "/", "/app/")
	wants := []string{
		"icons.example.com", "//cdn.example.com", "img.example.com", "/missing.png: 404", "fonts.example.com", "esm.example.com",
		"chunks.example.com", "asset.example.com", "api.example.com", "ws.example.com", "worker.example.com", "preload.example.com",
	}
	all := strings.Join(c.problems, "\n")
	for _, want := range wants {
		if !strings.Contains(all, want) {
			t.Errorf("no problem names %q; problems:\n%s", want, all)
		}
	}
	if len(c.problems) != len(wants) {
		t.Errorf("%d problems, want %d:\n%s", len(c.problems), len(wants), all)
	}
	for _, never := range []string{"igotkarmayogi", "w3.org", "reactjs.org", "parsed.example.com"} {
		if strings.Contains(all, never) {
			t.Errorf("a string that loads nothing is a problem: %s", never)
		}
	}
	for _, want := range []string{"/b.css", "/pic.png", "/b.js", "/w.js"} {
		if !slices.Contains(c.fetched, want) {
			t.Errorf("not followed: %s (fetched %v)", want, c.fetched)
		}
	}
}

// crawler follows what a browser would load from a page. The rule: a
// reference counts when the browser fetches or connects to it on its own, so
//
//   - HTML: src of any element, href of <link> (stylesheets, icons, preloads,
//     manifests, preconnects), srcset, poster, <object data>, a <meta> refresh,
//     and the CSS and JavaScript inside <style> and <script>;
//   - CSS: url(...) and @import;
//   - JavaScript: static import and export ... from (in modules: <script
//     type="module">, modulepreload, and what modules import), dynamic import(...),
//     new Worker / SharedWorker, importScripts, serviceWorker.register,
//     new URL(..., import.meta.url) (a bundler's asset), and a string literal
//     given to fetch, new WebSocket or new EventSource;
//   - a web app manifest: its icons' src and its start_url;
//   - response headers: Link and Refresh.
//
// Only string literals are read in JavaScript: bundles name other hosts in
// strings no one loads (the SVG namespace "http://www.w3.org/2000/svg",
// React's error-decoder URL, licence banners), and a link (<a href>) loads
// nothing until someone follows it, so neither is a problem. data:, blob: and
// about: references load nothing from anywhere. A same-origin reference must
// answer 200 and is crawled in turn, by its Content-Type.
type crawler struct {
	t        *testing.T
	origin   *url.URL
	seen     map[string]bool
	fetched  []string // paths answered 200, in order
	problems []string
}

// crawl starts at each of starts; a start that is not 200 is skipped (/app/
// before the console is wired in), except the first, which must be there.
func crawl(t *testing.T, base string, starts ...string) *crawler {
	t.Helper()
	origin, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c := &crawler{t: t, origin: origin, seen: map[string]bool{}}
	for i, start := range starts {
		u := origin.ResolveReference(&url.URL{Path: start})
		c.visit(u, "start", i > 0, false)
	}
	return c
}

var (
	htmlTag       = regexp.MustCompile(`(?is)<([a-z][a-z0-9-]*)\b((?:[^>"']|"[^"]*"|'[^']*')*)>`)
	htmlAttr      = regexp.MustCompile(`(?is)([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)
	htmlBlock     = regexp.MustCompile(`(?is)<(script|style)\b([^>]*)>(.*?)</(?:script|style)>`)
	moduleScript  = regexp.MustCompile(`(?i)\btype\s*=\s*["']?module\b`)
	cssURL        = regexp.MustCompile(`(?i)url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)`)
	cssImport     = regexp.MustCompile(`(?i)@import\s+(?:"([^"]*)"|'([^']*)')`)
	jsString      = `\s*(?:"([^"\\]*)"|'([^'\\]*)'|` + "`([^`\\\\$]*)`" + `)`
	jsStaticFrom  = regexp.MustCompile(`(?m)(?:^|[;}])\s*(?:import|export)\s*[\w$*{}\s,]*?\bfrom` + jsString) // a statement, not a sentence in a string
	jsBareImport  = regexp.MustCompile(`(?m)(?:^|[;}])\s*import` + jsString)
	jsDynamic     = regexp.MustCompile(`\bimport\s*\(` + jsString)
	jsCall        = regexp.MustCompile(`(?:\bnew\s+(?:Shared)?Worker|\bimportScripts|\bserviceWorker\.register|\bfetch|\bnew\s+WebSocket|\bnew\s+EventSource)\s*\(` + jsString)
	jsAssetURL    = regexp.MustCompile(`\bnew\s+URL\(` + jsString + `\s*,\s*import\.meta\.url`)
	manifestURL   = regexp.MustCompile(`"(?:src|start_url)"\s*:\s*"([^"]*)"`)
	linkHeader    = regexp.MustCompile(`<([^>]*)>`)
	refreshTarget = regexp.MustCompile(`(?i)url\s*=\s*['"]?([^'"\s;]+)`)
	srcsetItem    = regexp.MustCompile(`(?:^|,)\s*(\S+)`)
)

// visit fetches u (once) and follows what its content references.
func (c *crawler) visit(u *url.URL, from string, optional, module bool) {
	key := u.Path
	if u.RawQuery != "" {
		key += "?" + u.RawQuery
	}
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	resp, err := http.Get(u.String())
	if err != nil {
		c.problem(from, u.String(), err.Error())
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.problem(from, key, err.Error())
		return
	}
	if resp.StatusCode != http.StatusOK {
		if !optional {
			c.problem(from, key, fmt.Sprintf("%s: %d", key, resp.StatusCode))
		}
		return
	}
	c.fetched = append(c.fetched, key)
	for _, h := range resp.Header.Values("Link") {
		for _, m := range linkHeader.FindAllStringSubmatch(h, -1) {
			c.follow(u, key+" (Link header)", m[1], strings.Contains(h, "modulepreload"))
		}
	}
	if m := refreshTarget.FindStringSubmatch(resp.Header.Get("Refresh")); m != nil {
		c.follow(u, key+" (Refresh header)", m[1], false)
	}
	typ, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case typ == "text/html":
		c.html(u, key, string(body))
	case typ == "text/css":
		c.css(u, key, string(body))
	case strings.Contains(typ, "javascript") || path.Ext(u.Path) == ".js" || path.Ext(u.Path) == ".mjs":
		c.js(u, key, string(body), module)
	case strings.HasSuffix(typ, "manifest+json"): // a web app's icons and start page
		for _, m := range manifestURL.FindAllStringSubmatch(string(body), -1) {
			c.follow(u, key, m[1], false)
		}
	}
}

func (c *crawler) html(u *url.URL, key, body string) {
	for _, tag := range htmlTag.FindAllStringSubmatch(body, -1) {
		name := strings.ToLower(tag[1])
		attrs := map[string]string{}
		for _, a := range htmlAttr.FindAllStringSubmatch(tag[2], -1) {
			attrs[strings.ToLower(a[1])] = a[2] + a[3] + a[4]
		}
		module := strings.EqualFold(attrs["type"], "module") || strings.EqualFold(attrs["rel"], "modulepreload")
		for attr, v := range attrs {
			switch {
			case attr == "src", attr == "poster", attr == "href" && name == "link", attr == "data" && name == "object",
				attr == "background":
				c.follow(u, key, v, module)
			case attr == "srcset" || attr == "imagesrcset":
				for _, m := range srcsetItem.FindAllStringSubmatch(v, -1) {
					c.follow(u, key, m[1], false)
				}
			case attr == "content" && name == "meta" && strings.EqualFold(attrs["http-equiv"], "refresh"):
				if m := refreshTarget.FindStringSubmatch(v); m != nil {
					c.follow(u, key, m[1], false)
				}
			case attr == "style":
				c.css(u, key, v)
			}
		}
	}
	for _, b := range htmlBlock.FindAllStringSubmatch(body, -1) {
		if strings.EqualFold(b[1], "style") {
			c.css(u, key, b[3])
		} else {
			c.js(u, key, b[3], moduleScript.MatchString(b[2]))
		}
	}
}

func (c *crawler) css(u *url.URL, key, body string) {
	for _, re := range []*regexp.Regexp{cssURL, cssImport} {
		for _, m := range re.FindAllStringSubmatch(body, -1) {
			c.follow(u, key, strings.Join(m[1:], ""), false)
		}
	}
}

// js follows a script's references; static imports only in a module, where
// they are syntax (in a classic script, such as a UMD bundle, "import x from"
// can only be text in a string).
func (c *crawler) js(u *url.URL, key, body string, module bool) {
	if module {
		for _, re := range []*regexp.Regexp{jsStaticFrom, jsBareImport} {
			for _, m := range re.FindAllStringSubmatch(body, -1) {
				c.follow(u, key, strings.Join(m[1:], ""), true)
			}
		}
	}
	for _, m := range jsDynamic.FindAllStringSubmatch(body, -1) {
		c.follow(u, key, strings.Join(m[1:], ""), true) // import() loads a module
	}
	for _, re := range []*regexp.Regexp{jsCall, jsAssetURL} {
		for _, m := range re.FindAllStringSubmatch(body, -1) {
			c.follow(u, key, strings.Join(m[1:], ""), false)
		}
	}
}

// follow checks one reference from the page at base: another host is a
// problem, the same origin is visited.
func (c *crawler) follow(base *url.URL, from, ref string, module bool) {
	ref = strings.TrimSpace(ref)
	lower := strings.ToLower(ref)
	if ref == "" || ref == "#" || strings.HasPrefix(lower, "data:") || strings.HasPrefix(lower, "blob:") ||
		strings.HasPrefix(lower, "about:") || strings.HasPrefix(lower, "javascript:") {
		return
	}
	r, err := url.Parse(ref)
	if err != nil {
		c.problem(from, ref, "unparsable reference")
		return
	}
	u := base.ResolveReference(r)
	u.Fragment = ""
	if u.Host != c.origin.Host || (u.Scheme != c.origin.Scheme && u.Scheme != "ws" && u.Scheme != "wss") {
		c.problem(from, ref, "another host")
		return
	}
	if u.Scheme == "ws" || u.Scheme == "wss" {
		return // this server's own websocket
	}
	c.visit(u, from, false, module)
}

func (c *crawler) problem(from, ref, why string) {
	c.problems = append(c.problems, fmt.Sprintf("%s: %s (%s)", from, ref, why))
}
