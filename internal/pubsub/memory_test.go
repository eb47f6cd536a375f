package pubsub

import (
	"context"
	"fmt"
	"testing"
)

func TestMemoryDeliversInOrder(t *testing.T) {
	m := NewMemory(0)
	defer m.Close()
	got := make(chan string, 100)
	cancel, err := m.Subscribe(context.Background(), "a", func(b []byte) { got <- string(b) })
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	other := make(chan string, 1)
	cancelB, err := m.Subscribe(context.Background(), "b", func(b []byte) { other <- string(b) })
	if err != nil {
		t.Fatal(err)
	}
	defer cancelB()
	for i := 0; i < 50; i++ {
		if err := m.Publish(context.Background(), "a", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 50; i++ {
		if s := <-got; s != fmt.Sprint(i) {
			t.Fatalf("message %d = %q", i, s)
		}
	}
	select {
	case s := <-other:
		t.Errorf("channel b got %q published on a", s)
	default:
	}
}

func TestMemoryDropsWhenFull(t *testing.T) {
	m := NewMemory(1)
	defer m.Close()
	block := make(chan struct{})
	got := make(chan string, 10)
	cancel, err := m.Subscribe(context.Background(), "a", func(b []byte) { got <- string(b); <-block })
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	_ = m.Publish(context.Background(), "a", []byte("1"))
	<-got                                                 // "1" is being delivered and blocks
	_ = m.Publish(context.Background(), "a", []byte("2")) // buffered
	_ = m.Publish(context.Background(), "a", []byte("3")) // dropped: buffer full
	close(block)
	if s := <-got; s != "2" {
		t.Fatalf("second delivery = %q, want 2", s)
	}
	_ = m.Publish(context.Background(), "a", []byte("4"))
	if s := <-got; s != "4" {
		t.Fatalf("third delivery = %q, want 4 (3 should have been dropped)", s)
	}
}

func TestMemoryCancelAndClose(t *testing.T) {
	m := NewMemory(0)
	got := make(chan string, 10)
	cancel, err := m.Subscribe(context.Background(), "a", func(b []byte) { got <- string(b) })
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	cancel()
	_ = m.Publish(context.Background(), "a", []byte("x"))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("cancelled subscription received %d messages", len(got))
	}
	if err := m.Publish(context.Background(), "a", nil); err != ErrClosed {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
	if _, err := m.Subscribe(context.Background(), "a", func([]byte) {}); err != ErrClosed {
		t.Errorf("Subscribe after Close = %v, want ErrClosed", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestMemoryPublishBatchCount(t *testing.T) {
	m := NewMemory(0)
	defer m.Close()
	got := make(chan string, 10)
	var cancels []func()
	for range 2 {
		cancel, err := m.Subscribe(context.Background(), "a", func(b []byte) { got <- string(b) })
		if err != nil {
			t.Fatal(err)
		}
		cancels = append(cancels, cancel)
	}
	counts, err := m.PublishBatchCount(context.Background(), []string{"a", "b"}, [][]byte{[]byte("1"), []byte("2")})
	if err != nil || len(counts) != 2 || counts[0] != 2 || counts[1] != 0 {
		t.Fatalf("PublishBatchCount = %v, %v; want [2 0]", counts, err)
	}
	for range 2 {
		if s := <-got; s != "1" {
			t.Errorf("a subscriber got %q, want 1", s)
		}
	}
	for _, c := range cancels {
		c()
	}
	if counts, err := m.PublishBatchCount(context.Background(), []string{"a"}, [][]byte{[]byte("3")}); err != nil || counts[0] != 0 {
		t.Errorf("after both cancelled: %v, %v; want [0]", counts, err)
	}
	if _, err := m.PublishBatchCount(context.Background(), []string{"a"}, nil); err == nil {
		t.Error("1 channel and 0 messages: no error")
	}
}
