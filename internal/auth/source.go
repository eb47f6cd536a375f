package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// maxDocumentBytes bounds a JWKS or revocation list read from a file or URL.
const maxDocumentBytes = 4 << 20

// source is a small document (a JWKS or a revocation list) read from a file
// or fetched from a URL, again and again. read reports whether the content
// changed since the last successful read. A source is used by one goroutine
// at a time (its owner serialises reads).
type source struct {
	file   string // exactly one of file and url is set
	url    string
	client *http.Client

	sum  [sha256.Size]byte // of the last content accepted
	seen bool              // sum is set
	etag string            // the URL's ETag of the content accepted
	next string            // the ETag of the content last read, until accepted
}

func (s *source) String() string {
	if s.file != "" {
		return s.file
	}
	return s.url
}

// read returns the document when it differs from the last one read.
func (s *source) read(ctx context.Context) (data []byte, changed bool, err error) {
	if s.file != "" {
		data, err = readFileLimited(s.file)
	} else {
		var notModified bool
		data, notModified, err = s.fetch(ctx)
		if err == nil && notModified {
			return nil, false, nil
		}
	}
	if err != nil {
		return nil, false, err
	}
	sum := sha256.Sum256(data)
	if s.seen && sum == s.sum {
		return nil, false, nil
	}
	return data, true, nil
}

// accept records data as the current content, once its owner has parsed it:
// a document that failed to parse is read (and reported) again next time.
func (s *source) accept(data []byte) {
	s.sum, s.seen, s.etag = sha256.Sum256(data), true, s.next
}

func readFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxDocumentBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxDocumentBytes)
	}
	return data, nil
}

func (s *source) fetch(ctx context.Context) (data []byte, notModified bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Accept", "application/json")
	if s.etag != "" && s.seen {
		req.Header.Set("If-None-Match", s.etag)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil, true, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, false, fmt.Errorf("GET %s: %s", s.url, resp.Status)
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, false, fmt.Errorf("GET %s: %w", s.url, err)
	}
	if len(data) > maxDocumentBytes {
		return nil, false, fmt.Errorf("GET %s: body larger than %d bytes", s.url, maxDocumentBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, false, errors.New("GET " + s.url + ": empty body")
	}
	s.next = resp.Header.Get("ETag")
	return data, false, nil
}
