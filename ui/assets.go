package ui

import "bytes"
import "crypto/sha256"
import "embed"
import "encoding/hex"
import "html"
import "io/fs"
import "net/http"
import "path"
import "strings"
import "time"

// dist holds the built page: `npm ci && npm run build` in ui/frontend
// writes it, and it is committed so that users of the module need no Node.
//
//go:embed all:frontend/dist
var dist embed.FS

// pagePolicy is the Content-Security-Policy of the page. Scripts, styles,
// fonts and API calls come from the dashboard's own origin only; nothing
// inline runs and nothing is evaluated. Images may also come from https:
// and data: URLs, because OAuth providers' icons and users' avatars live
// on other hosts.
const pagePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: https:; connect-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// assetCacheControl is sent with the files under assets/, whose names carry
// a hash of their content and so never change.
const assetCacheControl = "public, max-age=31536000, immutable"

// assetHandler serves the embedded page: the files under assets/, the few
// other built files, and index.html for every other path, so that the
// page's router can show it.
type assetHandler struct {
	files  fs.FS
	prefix string
	index  []byte
	etag   string
	err    error
}

// newAssetHandler returns the handler of the page mounted at prefix (such
// as "/admin/queue"; "" or "/" for the root). It accepts paths with the
// prefix already stripped as well as paths that still carry it.
func newAssetHandler(prefix string) http.Handler {
	files, err := fs.Sub(dist, "frontend/dist")
	h := &assetHandler{files: files, prefix: mountPrefix(prefix), err: err}
	if err == nil {
		var page []byte
		page, err = fs.ReadFile(files, "index.html")
		h.index = withPrefix(page, h.prefix)
		sum := sha256.Sum256(h.index)
		h.etag = `"` + hex.EncodeToString(sum[:8]) + `"`
	}
	h.err = err
	return h
}

// mountPrefix normalizes a mount prefix to "" or "/a/b" (no trailing slash).
func mountPrefix(prefix string) string {
	trimmed := strings.Trim(prefix, "/")
	if trimmed == "" {
		return ""
	}
	return "/" + trimmed
}

// withPrefix writes the mount prefix into the page: a meta element the
// script reads to build API and router paths, and a base element so that
// the page's relative asset URLs resolve under the prefix on every route.
func withPrefix(page []byte, prefix string) []byte {
	tags := "\n    <meta name=\"asynqpg-prefix\" content=\"" + html.EscapeString(prefix) + "\" />" +
		"\n    <base href=\"" + html.EscapeString(prefix+"/") + "\" />"
	anchor := []byte(`<meta charset="utf-8" />`)
	at := bytes.Index(page, anchor)
	if at < 0 {
		anchor = []byte("<head>")
		at = bytes.Index(page, anchor)
	}
	if at < 0 {
		return append([]byte(tags), page...)
	}
	at += len(anchor)
	out := make([]byte, 0, len(page)+len(tags))
	out = append(out, page[:at]...)
	out = append(out, tags...)
	return append(out, page[at:]...)
}

func (h *assetHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	header := w.Header()
	header.Set("X-Content-Type-Options", "nosniff")
	header.Set("Content-Security-Policy", pagePolicy)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		header.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if h.err != nil {
		http.Error(w, "the dashboard's page is missing from this build: "+h.err.Error(), http.StatusInternalServerError)
		return
	}

	name := h.fileName(r.URL.Path)
	if name == "assets" || strings.HasPrefix(name, "assets/") {
		if !h.isFile(name) {
			http.Error(w, "asset not found", http.StatusNotFound)
			return
		}
		header.Set("Cache-Control", assetCacheControl)
		http.ServeFileFS(w, r, h.files, name)
		return
	}
	if name != "" && name != "index.html" && h.isFile(name) {
		header.Set("Cache-Control", "public, max-age=3600")
		http.ServeFileFS(w, r, h.files, name)
		return
	}
	h.serveIndex(w, r)
}

// fileName turns a request path into a name inside the built files ("" for
// the page itself).
func (h *assetHandler) fileName(urlPath string) string {
	p := path.Clean("/" + urlPath)
	if h.prefix != "" && (p == h.prefix || strings.HasPrefix(p, h.prefix+"/")) {
		p = path.Clean("/" + strings.TrimPrefix(p, h.prefix))
	}
	return strings.TrimPrefix(p, "/")
}

func (h *assetHandler) isFile(name string) bool {
	info, err := fs.Stat(h.files, name)
	return err == nil && !info.IsDir()
}

func (h *assetHandler) serveIndex(w http.ResponseWriter, r *http.Request) {
	header := w.Header()
	header.Set("Content-Type", "text/html; charset=utf-8")
	header.Set("Cache-Control", "no-cache")
	header.Set("X-Frame-Options", "DENY")
	header.Set("Referrer-Policy", "same-origin")
	header.Set("ETag", h.etag)
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.index))
}
