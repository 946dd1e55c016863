//go:build linux

package nodejs

import (
	"fmt"
	"os"
	"syscall"
)

// fileStamp changes whenever the file is replaced or written: its inode, size and
// times, the change time included, which no copy tool sets back.
func fileStamp(st os.FileInfo) string {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d:%d:%d:%v", sys.Dev, sys.Ino, st.Size(), st.ModTime().UnixNano(), sys.Ctim)
	}
	return fmt.Sprintf("%d:%d", st.Size(), st.ModTime().UnixNano())
}
