// Command server runs Weft: the ShareDB-protocol WebSocket endpoint, the
// REST API and the browser editor, on an embedded durable store by default.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, errHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "weft:", err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	_, err := parseConfig(args, getenv, stderr)
	_ = stdout
	return err
}
