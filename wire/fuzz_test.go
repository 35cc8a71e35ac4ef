package wire

import (
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"
)

// runRaw serves one connection whose client sends input and then closes,
// and fails if the connection does not end in time.
func runRaw(t *testing.T, input []byte) {
	srv := NewServer(Config{Handler: fakeHandler{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxMessageSize: 1 << 20})
	client, server := net.Pipe()
	c := srv.newConn(server)
	done := make(chan struct{})
	go func() {
		c.serve()
		close(done)
	}()
	go io.Copy(io.Discard, client)
	client.SetWriteDeadline(time.Now().Add(2 * time.Second))
	client.Write(input)
	client.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("connection did not end for input %q", input)
	}
}

func startupPacket(params ...string) []byte {
	body := binary.BigEndian.AppendUint32(nil, 196608) // protocol 3.0
	for _, p := range params {
		body = append(body, p...)
		body = append(body, 0)
	}
	body = append(body, 0)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body)+4)), body...)
}

func msg(typ byte, body []byte) []byte {
	out := append([]byte{typ}, binary.BigEndian.AppendUint32(nil, uint32(len(body)+4))...)
	return append(out, body...)
}

// FuzzStartup feeds arbitrary bytes as the first packets of a connection:
// the server must never panic or hang, whatever arrives.
func FuzzStartup(f *testing.F) {
	f.Add(startupPacket("user", "u"))
	f.Add(startupPacket("user", "u", "database", "d", "options", "-c statement_timeout=5"))
	f.Add(append([]byte{0, 0, 0, 8, 4, 210, 22, 47}, startupPacket("user", "u")...)) // SSLRequest first
	f.Add([]byte{0, 0, 0, 16, 4, 210, 22, 46, 0, 0, 0, 1, 0, 0, 0, 2})               // CancelRequest
	f.Add([]byte{0, 0, 0, 4})
	f.Fuzz(func(t *testing.T, input []byte) { runRaw(t, input) })
}

// FuzzMessages feeds arbitrary bytes after a valid startup: malformed
// messages must end in an error response or a closed connection, never a
// panic or a hang.
func FuzzMessages(f *testing.F) {
	f.Add(msg('Q', []byte("rows 3\x00")))
	f.Add(append(msg('P', []byte("\x00rows $1\x00\x00\x01\x00\x00\x00\x14")), msg('S', nil)...))
	f.Add(append(append(msg('B', []byte("\x00\x00\x00\x00\x00\x01\x00\x00\x00\x013\x00\x00")), msg('E', []byte("\x00\x00\x00\x00\x02"))...), msg('S', nil)...))
	f.Add(msg('D', []byte("P\x00")))
	f.Add(msg('X', nil))
	f.Add([]byte{'Q', 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, input []byte) {
		runRaw(t, append(startupPacket("user", "u"), input...))
	})
}
