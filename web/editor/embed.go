// Package editor holds Weft's browser editor, compiled into the server
// binary.
package editor

import "embed"

// FS holds the editor's files; index.html is the page served at /.
//
//go:embed index.html
var FS embed.FS
