package faultproxy

import "bufio"
import "net"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

// TestProxy checks the partition proxy itself: it forwards, holds data
// back while paused and delivers it on Heal, and DropAll closes
// connections.
func TestProxy(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	p, err := New(ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })

	c, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	r := bufio.NewReader(c)
	echo := func(msg string) (string, error) {
		if _, err := c.Write([]byte(msg + "\n")); err != nil {
			return "", err
		}
		return r.ReadString('\n')
	}
	got, err := echo("one")
	require.NoError(t, err)
	require.Equal(t, "one\n", got)

	p.Pause()
	_, err = c.Write([]byte("two\n"))
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	_, err = r.ReadString('\n')
	require.Error(t, err, "data went through a paused proxy")
	require.NoError(t, c.SetReadDeadline(time.Time{}))
	p.Heal()
	got, err = r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "two\n", got, "held data delivered on Heal")

	p.DropAll()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = echo("three")
	if err == nil {
		_, err = r.ReadString('\n')
	}
	require.Error(t, err, "connection survived DropAll")
}
