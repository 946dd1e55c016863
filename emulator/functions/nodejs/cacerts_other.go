//go:build !linux

package nodejs

import (
	"fmt"
	"os"
)

// fileStamp changes whenever the file is replaced by another of another size or time.
func fileStamp(st os.FileInfo) string {
	return fmt.Sprintf("%d:%d", st.Size(), st.ModTime().UnixNano())
}
