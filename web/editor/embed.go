// Package editor holds Weft's browser editor, compiled into the server
// binary. The files are built from src/ by `make web` (esbuild) and
// committed, so building the server needs no npm.
//
// Serving contract (for the HTTP server):
//   - GET /                       -> index.html
//   - GET /assets/{file}          -> the file under assets/; 404 if absent.
//     app.js and app.css (the entry points index.html names) have stable
//     names, so serve them with revalidation (e.g. Cache-Control: no-cache
//     plus ETag); chunk-{hash}.js are loaded on demand by app.js and are
//     content-addressed (cacheable forever). *.LEGAL.txt are licence notices.
//   - GET /d/{collection}/{id}    -> index.html (SPA fallback: the page routes
//     on location.pathname). Any other unknown GET path that is not /ws,
//     /api/... or /assets/... may also get index.html; the page shows the
//     home view for paths it does not know.
//
// The page opens its WebSocket at ws(s)://{same host}/ws and calls the REST
// API at /api/v1/docs/... on the same origin.
package editor

import "embed"

// FS holds the built editor: index.html at the root and the bundle under
// assets/.
//
//go:embed index.html assets
var FS embed.FS
