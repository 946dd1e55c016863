package devserver

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"

	"github.com/identity-dev/dev/emulator/identity"
)

// MaxUsersImport is the largest users import the dev API reads: about 500,000 users
// with small metadata.
const MaxUsersImport = 512 << 20

// GET /.netlify/dev/api/users/export: every user, oldest first, one per line (JSON
// Lines, GoTrue's admin user JSON with encrypted_password), streamed.
func (s *Server) exportUsers(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", ndjson)
	w.Header().Set("Content-Disposition", `attachment; filename="users.jsonl"`)
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	err := s.store.EachUser(r.Context(), func(u *identity.User) error {
		line, err := identity.ExportLine(u)
		if err != nil {
			return err
		}
		n++
		_, err = bw.Write(line)
		return err
	})
	if err != nil && n == 0 {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "export users: " + err.Error()})
		return
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		// Mid-stream: the answer is cut, which the client sees as a broken body.
		panic(http.ErrAbortHandler)
	}
}

// POST /.netlify/dev/api/users/import (Content-Type: application/x-ndjson): the users
// of an export. The whole file is checked first: a bad line refuses it all, naming the
// line. Users whose id or email exist already are skipped and listed.
func (s *Server) importUsers(w http.ResponseWriter, r *http.Request) {
	lines, err := identity.ReadImport(http.MaxBytesReader(w, r.Body, MaxUsersImport))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, apiError{Code: 413, Msg: fmt.Sprintf("the import is larger than %d MiB; nothing was imported", MaxUsersImport>>20)})
			return
		}
		writeJSON(w, http.StatusBadRequest, apiError{Code: 400, Msg: err.Error() + "; nothing was imported"})
		return
	}
	var res *identity.ImportResult
	err = s.store.Update(r.Context(), func(tx identity.Tx) error {
		var err error
		res, err = identity.ImportUsers(tx, lines)
		return err
	})
	s.news.notify("users")
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "import users: " + err.Error() + "; nothing was imported"})
		return
	}
	writeJSON(w, http.StatusOK, res)
}
