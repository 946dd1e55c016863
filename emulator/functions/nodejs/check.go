package nodejs

// Check says whether JS functions can run here: an error that says what to install
// when node (name, or "node" on PATH) is missing or older than Node.js 18.
func Check(name string) error {
	_, err := findNode(name, userKeepDir())
	return err
}
