package identity

import (
	"fmt"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// The verified-password memo answers exactly as bcrypt does.
func TestCheckPasswordMemo(t *testing.T) {
	a := &API{cfg: Config{BcryptCost: 4}}
	h1, _ := bcrypt.GenerateFromPassword([]byte("right"), 4)
	h2, _ := bcrypt.GenerateFromPassword([]byte("new"), 4)
	u := &User{EncryptedPassword: string(h1)}
	for i := range 3 {
		if !a.checkPassword(u, "right") {
			t.Fatalf("right password refused (try %d)", i)
		}
		if a.checkPassword(u, "wrong") || a.checkPassword(u, "righ") || a.checkPassword(u, "right\x00") {
			t.Fatalf("a wrong password passed (try %d)", i)
		}
	}
	u.EncryptedPassword = string(h2) // the password changed
	if a.checkPassword(u, "right") || !a.checkPassword(u, "new") {
		t.Fatal("the old password still logs in, or the new one does not")
	}
	if a.checkPassword(nil, "right") || a.checkPassword(&User{}, "right") {
		t.Fatal("no user, or no password, logged in")
	}
	for i := range maxVerified + 10 {
		a.verified.add("h", fmt.Sprint(i))
	}
	if n := len(a.verified.set); n > maxVerified {
		t.Fatalf("%d entries kept, at most %d", n, maxVerified)
	}
}
