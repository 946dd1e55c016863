//go:build unix

package golang

import (
	"errors"
	"net"
	"syscall"
)

// alive tells whether the function still holds c open. A /next whose client gave up
// (its runtime timed it out and asked again on another connection) must not get an
// invocation: the write would succeed and the invocation be lost. It looks without
// waiting and without taking anything: a pending end of the stream means gone.
func (c *apiConn) alive() bool {
	if c.br.Buffered() > 0 {
		return true
	}
	tc, ok := c.nc.(*net.TCPConn)
	if !ok {
		return true
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	open := true
	var b [1]byte
	rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil:
			open = n > 0 // 0: the client closed its side
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		default:
			open = false
		}
		return true // done: never wait for the connection to be readable
	})
	return open
}
