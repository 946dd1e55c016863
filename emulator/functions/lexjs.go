package functions

// A JavaScript and TypeScript tokenizer just good enough to read an entry file's
// declarations (Declared): identifiers, string literals and punctuation, each with its
// bracket depth; comments, template literals, regular expressions and numbers are
// skipped. It never fails: on source it does not understand it gives fewer tokens.

type tokKind uint8

const (
	tokIdent tokKind = iota
	tokString
	tokPunct
)

type token struct {
	kind  tokKind
	text  string // a string literal's text is its contents, unescaped only of \x
	depth int    // brackets open before the token; a closing bracket has its opener's
}

func (t token) is(kind tokKind, text string) bool { return t.kind == kind && t.text == text }

// maxTokens bounds the work on a huge generated entry file.
const maxTokens = 1 << 20

func lexJS(src []byte) []token {
	var toks []token
	depth := 0
	i := 0
	// regexAllowed: a "/" here starts a regular expression, not a division.
	regexAllowed := true
	for i < len(src) && len(toks) < maxTokens {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := indexFrom(src, i+2, "*/")
			if end < 0 {
				return toks
			}
			i = end + 2
		case c == '/' && regexAllowed:
			i = skipRegex(src, i)
			regexAllowed = false
		case c == '"' || c == '\'':
			text, next := readString(src, i)
			toks = append(toks, token{kind: tokString, text: text, depth: depth})
			i = next
			regexAllowed = false
		case c == '`':
			i = skipTemplate(src, i)
			regexAllowed = false
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			word := string(src[i:j])
			toks = append(toks, token{kind: tokIdent, text: word, depth: depth})
			i = j
			// After a keyword like return or typeof an expression (maybe a regex) starts.
			regexAllowed = isKeywordBeforeExpression(word)
		case c >= '0' && c <= '9':
			for i < len(src) && (isIdentPart(src[i]) || src[i] == '.') {
				i++
			}
			regexAllowed = false
		default:
			switch c {
			case '{', '(', '[':
				toks = append(toks, token{kind: tokPunct, text: string(c), depth: depth})
				depth++
			case '}', ')', ']':
				if depth > 0 {
					depth--
				}
				toks = append(toks, token{kind: tokPunct, text: string(c), depth: depth})
			default:
				if c < 0x80 {
					toks = append(toks, token{kind: tokPunct, text: string(c), depth: depth})
				}
			}
			regexAllowed = c != ')' && c != ']' && c != '}'
			i++
		}
	}
	return toks
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func isKeywordBeforeExpression(word string) bool {
	switch word {
	case "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await":
		return true
	}
	return false
}

func indexFrom(src []byte, from int, sub string) int {
	for i := from; i+len(sub) <= len(src); i++ {
		if string(src[i:i+len(sub)]) == sub {
			return i
		}
	}
	return -1
}

// readString reads the string literal at src[i], returning its contents and the index
// after it. An unterminated literal ends at the line's end.
func readString(src []byte, i int) (string, int) {
	quote := src[i]
	var out []byte
	j := i + 1
	for j < len(src) {
		c := src[j]
		switch {
		case c == quote:
			return string(out), j + 1
		case c == '\\' && j+1 < len(src):
			out = append(out, src[j+1])
			j += 2
		case c == '\n':
			return string(out), j
		default:
			out = append(out, c)
			j++
		}
	}
	return string(out), j
}

// skipTemplate skips the template literal at src[i], with its ${...} parts.
func skipTemplate(src []byte, i int) int {
	j := i + 1
	for j < len(src) {
		switch src[j] {
		case '\\':
			j += 2
		case '`':
			return j + 1
		case '$':
			if j+1 < len(src) && src[j+1] == '{' {
				j = skipBraces(src, j+1)
				continue
			}
			j++
		default:
			j++
		}
	}
	return j
}

// skipBraces skips the balanced {...} at src[i], with the strings, templates and
// comments inside it.
func skipBraces(src []byte, i int) int {
	depth := 0
	j := i
	for j < len(src) {
		c := src[j]
		switch {
		case c == '{':
			depth++
			j++
		case c == '}':
			depth--
			j++
			if depth == 0 {
				return j
			}
		case c == '"' || c == '\'':
			_, j = readString(src, j)
		case c == '`':
			j = skipTemplate(src, j)
		case c == '/' && j+1 < len(src) && src[j+1] == '/':
			for j < len(src) && src[j] != '\n' {
				j++
			}
		case c == '/' && j+1 < len(src) && src[j+1] == '*':
			end := indexFrom(src, j+2, "*/")
			if end < 0 {
				return len(src)
			}
			j = end + 2
		default:
			j++
		}
	}
	return j
}

// skipRegex skips the regular expression literal at src[i] with its flags.
func skipRegex(src []byte, i int) int {
	j := i + 1
	inClass := false
	for j < len(src) {
		c := src[j]
		switch {
		case c == '\\':
			j += 2
			continue
		case c == '\n':
			return j
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '/' && !inClass:
			j++
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			return j
		}
		j++
	}
	return j
}
