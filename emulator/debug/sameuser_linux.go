package debug

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// sameUser tells whether the local client at the far end of c runs as this process's
// user, as delve checks its own clients (dlv --only-same-user): a debugger client can
// read the function's memory and run code as its user. When dlv runs behind the
// helper's forwarder, every connection reaches dlv from the helper, so the check is
// made here. The kernel's socket tables name each socket's owner.
func sameUser(c net.Conn) (bool, error) {
	remote, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return false, fmt.Errorf("not a TCP connection: %s", c.RemoteAddr())
	}
	want := procNetAddr(remote)
	table := "/proc/net/tcp"
	if remote.IP.To4() == nil {
		table = "/proc/net/tcp6"
	}
	f, err := os.Open(table)
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || fields[1] != want {
			continue
		}
		uid, err := strconv.Atoi(fields[7])
		if err != nil {
			return false, fmt.Errorf("%s: uid %q: %w", table, fields[7], err)
		}
		return uid == os.Getuid(), nil
	}
	if err := sc.Err(); err != nil {
		return false, err
	}
	return false, fmt.Errorf("%s has no socket at %s", table, remote)
}

// procNetAddr writes an address as /proc/net/tcp{,6} do: the IP's 32-bit words in
// host order (little-endian here), in hex, then the port.
func procNetAddr(a *net.TCPAddr) string {
	ip := a.IP.To4()
	if ip == nil {
		ip = a.IP.To16()
	}
	var b strings.Builder
	for i := 0; i+4 <= len(ip); i += 4 {
		fmt.Fprintf(&b, "%02X%02X%02X%02X", ip[i+3], ip[i+2], ip[i+1], ip[i])
	}
	fmt.Fprintf(&b, ":%04X", a.Port)
	return b.String()
}
