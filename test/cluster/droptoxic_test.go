package cluster

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"

	"github.com/Shopify/toxiproxy/v2/stream"
	"github.com/Shopify/toxiproxy/v2/toxics"
)

func init() {
	toxics.Register("weft_drop_messages", new(dropMessages))
}

// dropMessages is a toxiproxy toxic for the Redis → Weft direction: it
// parses the RESP stream and silently drops the first Count pub/sub
// "message" pushes on Channel (across all the proxy's connections),
// passing every other byte through unchanged. Count applies to each
// connection: with Count 1 every instance's subscriber misses the first
// such message. The subscriber sees no error and no reconnect: only the
// version gap the next message shows reveals the loss.
type dropMessages struct {
	Channel string `json:"channel"`
	Count   int    `json:"count"`

	mu      sync.Mutex
	dropped int
}

// Dropped reports how many messages the toxic has dropped.
func (d *dropMessages) Dropped() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dropped
}

// take reports whether frame is to be dropped on a connection that has
// dropped *mine frames so far, counting it.
func (d *dropMessages) take(frame []byte, mine *int) bool {
	if *mine >= d.Count || !bytes.Contains(frame, []byte("\r\n$7\r\nmessage\r\n")) || !bytes.Contains(frame, []byte("\r\n"+d.Channel+"\r\n")) {
		return false
	}
	*mine++
	d.mu.Lock()
	d.dropped++
	d.mu.Unlock()
	return true
}

// Pipe forwards whole RESP frames, holding back only an incomplete tail;
// on an unparseable stream it passes everything through.
func (d *dropMessages) Pipe(stub *toxics.ToxicStub) {
	var buf []byte
	passthrough, mine := false, 0
	for {
		select {
		case <-stub.Interrupt:
			if len(buf) > 0 { // the next toxic chain gets the held bytes
				stub.Output <- &stream.StreamChunk{Data: buf}
			}
			return
		case c := <-stub.Input:
			if c == nil {
				if len(buf) > 0 {
					stub.Output <- &stream.StreamChunk{Data: buf}
				}
				stub.Close()
				return
			}
			if passthrough {
				stub.Output <- c
				continue
			}
			buf = append(buf, c.Data...)
			var out []byte
			for {
				n, ok, err := respLen(buf)
				if err != nil {
					passthrough = true
					out, buf = append(out, buf...), nil
					break
				}
				if !ok {
					break
				}
				if !d.take(buf[:n], &mine) {
					out = append(out, buf[:n]...)
				}
				buf = buf[n:]
			}
			buf = append([]byte(nil), buf...)
			if len(out) > 0 {
				stub.Output <- &stream.StreamChunk{Data: out, Timestamp: c.Timestamp}
			}
		}
	}
}

// respLen returns the length of the RESP2/RESP3 value at the start of b;
// ok is false when b holds only part of it.
func respLen(b []byte) (n int, ok bool, err error) {
	if len(b) == 0 {
		return 0, false, nil
	}
	eol := bytes.Index(b, []byte("\r\n"))
	if eol < 0 {
		return 0, false, nil
	}
	rest := eol + 2
	switch b[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return rest, true, nil
	case '$', '!', '=':
		size, err := strconv.Atoi(string(b[1:eol]))
		if err != nil {
			return 0, false, fmt.Errorf("RESP length %q: %w", b[1:eol], err)
		}
		if size < 0 {
			return rest, true, nil
		}
		if len(b) < rest+size+2 {
			return 0, false, nil
		}
		return rest + size + 2, true, nil
	case '*', '~', '>', '%', '|':
		return respAggregate(b, eol)
	}
	return 0, false, fmt.Errorf("unknown RESP type %q", b[0])
}

// respAggregate measures an array, set, push, map or attribute.
func respAggregate(b []byte, eol int) (int, bool, error) {
	count, err := strconv.Atoi(string(b[1:eol]))
	if err != nil {
		return 0, false, fmt.Errorf("RESP count %q: %w", b[1:eol], err)
	}
	if b[0] == '%' || b[0] == '|' {
		count *= 2
	}
	if b[0] == '|' {
		count++ // an attribute precedes the value it annotates
	}
	pos := eol + 2
	for range max(count, 0) {
		m, ok, err := respLen(b[pos:])
		if err != nil || !ok {
			return 0, false, err
		}
		pos += m
	}
	return pos, true, nil
}
