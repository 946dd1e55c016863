// Package notmain is a library where a function's main package belongs.
package notmain

func Hello() string { return "hello" }
