package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestFunctionsDir(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "abs-fns")
	tests := []struct {
		name string
		toml string
		flag string
		want string // relative to the site unless absolute
	}{
		{"default", "", "", filepath.Join("netlify", "functions")},
		{"flag", "", "api", "api"},
		{"flag absolute", "", abs, abs},
		{"[functions] directory", "[functions]\ndirectory = 'fns/a'\n", "", filepath.Join("fns", "a")},
		{"[functions] directory absolute", "[functions]\ndirectory = '" + abs + "'\n", "", abs},
		{"[build] functions", "[build]\nfunctions = 'lambda'\n", "", "lambda"},
		{"[build] functions absolute", "[build]\nfunctions = '" + abs + "'\n", "", abs},
		{"[dev] functions", "[dev]\nfunctions = 'dev-fns'\n", "", "dev-fns"},
		{"[dev] functions absolute", "[dev]\nfunctions = '" + abs + "'\n", "", abs},
		{"parent folder", "[functions]\ndirectory = '../shared-fns'\n", "", filepath.Join("..", "shared-fns")},
		{"flag over every table", "[functions]\ndirectory = 'a'\n[build]\nfunctions = 'b'\n[dev]\nfunctions = 'c'\n", "flag", "flag"},
		{"[functions] over [build]", "[functions]\ndirectory = 'a'\n[build]\nfunctions = 'b'\n", "", "a"},
		{"empty [functions] directory falls through", "[functions]\ndirectory = ''\n[build]\nfunctions = 'b'\n", "", "b"},
		{"empty [build] functions falls through", "[build]\nfunctions = ''\n", "", filepath.Join("netlify", "functions")},
		{"empty [dev] functions falls through", "[dev]\nfunctions = ''\n", "", filepath.Join("netlify", "functions")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, site := loadTOML(t, tt.toml)
			want := tt.want
			if !filepath.IsAbs(want) {
				want = filepath.Join(site, want)
			}
			if got := s.FunctionsDir(site, tt.flag); got != want {
				t.Errorf("FunctionsDir(%q, %q) = %q, want %q", site, tt.flag, got, want)
			}
		})
	}
}

func TestFunctionsDirWithoutFile(t *testing.T) {
	site := t.TempDir()
	s, err := Load(site)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.FunctionsDir(site, ""), filepath.Join(site, "netlify", "functions"); got != want {
		t.Errorf("FunctionsDir = %q, want %q", got, want)
	}
}

func TestPublishDir(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "abs-pub")
	tests := []struct {
		name string
		toml string
		want string // relative to the site unless absolute
	}{
		{"default is the site root", "", ""},
		{"[build] publish", "[build]\npublish = 'dist'\n", "dist"},
		{"[build] publish absolute", "[build]\npublish = '" + abs + "'\n", abs},
		{"[dev] publish", "[dev]\npublish = 'public/site'\n", filepath.Join("public", "site")},
		{"[dev] publish absolute", "[dev]\npublish = '" + abs + "'\n", abs},
		{"[dev] over [build]", "[dev]\npublish = 'dev-out'\n[build]\npublish = 'build-out'\n", "dev-out"},
		{"empty [dev] publish falls through", "[dev]\npublish = ''\n[build]\npublish = 'build-out'\n", "build-out"},
		{"empty [build] publish is the root", "[build]\npublish = ''\n", ""},
		{"dot is the root", "[build]\npublish = '.'\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, site := loadTOML(t, tt.toml)
			want := tt.want
			if !filepath.IsAbs(want) {
				want = filepath.Join(site, want)
			}
			if got := s.PublishDir(site); got != want {
				t.Errorf("PublishDir(%q) = %q, want %q", site, got, want)
			}
		})
	}
}

func TestPublishDirRelativeSite(t *testing.T) {
	// With a relative site folder the result stays relative to the same place.
	s := &Site{Build: Build{Publish: ptr("dist")}}
	if got, want := s.PublishDir("site"), filepath.Join("site", "dist"); got != want {
		t.Errorf("PublishDir(\"site\") = %q, want %q", got, want)
	}
}

// TestFunctionEnvPrecedence writes a site where key Ln is set by the first n sources,
// each to its own name, so that Ln shows which source wins over the ones before it.
func TestFunctionEnvPrecedence(t *testing.T) {
	site := writeSite(t, map[string]string{
		FileName: `
[build.environment]
  L1 = "build"
  L2 = "build"
  L3 = "build"
  L4 = "build"
  L5 = "build"
  L6 = "build"
  L7 = "build"
[context.dev.environment]
  L2 = "context"
  L3 = "context"
  L4 = "context"
  L5 = "context"
  L6 = "context"
  L7 = "context"
  ONLY_CONTEXT = "context"
[context.production.environment]
  L3 = "production"
  PRODUCTION = "production"
[context.deploy-preview.environment]
  L3 = "deploy-preview"
[dev.environment]
  L3 = "dev"
  L4 = "dev"
  L5 = "dev"
  L6 = "dev"
  L7 = "dev"
`,
		".env":             "L4=dotenv\nL5=dotenv\nL6=dotenv\nL7=dotenv\nONLY_DOTENV=dotenv\n",
		".env.development": "L5=dotenv-development\nL6=dotenv-development\nL7=dotenv-development\n",
		".env.production":  "L5=dotenv-production\nPRODUCTION_FILE=1\n",
		".env.local":       "L5=dotenv-local\n",
	})
	s, err := Load(site)
	if err != nil {
		t.Fatal(err)
	}
	shell := []string{"L6=shell", "L7=shell", "ONLY_SHELL=shell"}
	extra := map[string]string{"L7": "dev-itself", "NETLIFY_DEV": "true"}

	env, from, err := s.FunctionEnv(site, shell, extra)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"L1=build",
		"L2=context",
		"L3=dev",
		"L4=dotenv",
		"L5=dotenv-development",
		"L6=shell",
		"L7=dev-itself",
		"NETLIFY_DEV=true",
		"ONLY_CONTEXT=context",
		"ONLY_DOTENV=dotenv",
		"ONLY_SHELL=shell",
	}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("FunctionEnv =\n%q\nwant\n%q", env, want)
	}
	wantFrom := map[string]EnvSource{
		"L1":           "netlify.toml [build.environment]",
		"L2":           "netlify.toml [context.dev.environment]",
		"L3":           "netlify.toml [dev.environment]",
		"L4":           ".env",
		"L5":           ".env.development",
		"L6":           "shell",
		"L7":           "dev",
		"NETLIFY_DEV":  "dev",
		"ONLY_CONTEXT": "netlify.toml [context.dev.environment]",
		"ONLY_DOTENV":  ".env",
		"ONLY_SHELL":   "shell",
	}
	if !reflect.DeepEqual(from, wantFrom) {
		t.Errorf("sources =\n%v\nwant\n%v", from, wantFrom)
	}
}

func TestFunctionEnvShell(t *testing.T) {
	tests := []struct {
		name  string
		shell []string
		want  []string
	}{
		{"value with =", []string{"DSN=postgres://u:p@h/db?sslmode=disable&x=1"}, []string{"DSN=postgres://u:p@h/db?sslmode=disable&x=1"}},
		{"empty value", []string{"EMPTY="}, []string{"EMPTY="}},
		{"no = is skipped", []string{"JUNK", "OK=1"}, []string{"OK=1"}},
		{"empty name is skipped", []string{"=C:=C:\\work", "OK=1"}, []string{"OK=1"}},
		{"later entry wins", []string{"DUP=first", "DUP=second"}, []string{"DUP=second"}},
		{"none", nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, from, err := (&Site{}).FunctionEnv(t.TempDir(), tt.shell, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(env, tt.want) {
				t.Errorf("FunctionEnv(shell %q) = %q, want %q", tt.shell, env, tt.want)
			}
			for k, src := range from {
				if src != "shell" {
					t.Errorf("source of %s = %q, want shell", k, src)
				}
			}
			if len(from) != len(tt.want) {
				t.Errorf("sources %v has %d keys, want %d", from, len(from), len(tt.want))
			}
		})
	}
}

func TestFunctionEnvSorted(t *testing.T) {
	site := writeSite(t, map[string]string{".env": "b=2\nA=1\n_C=3\na=4\n"})
	env, _, err := (&Site{}).FunctionEnv(site, []string{"Z=26", "M=13"}, map[string]string{"URL": "http://127.0.0.1:8888"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(env) {
		t.Errorf("FunctionEnv = %q, not sorted", env)
	}
	want := []string{"A=1", "M=13", "URL=http://127.0.0.1:8888", "Z=26", "_C=3", "a=4", "b=2"}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("FunctionEnv = %q, want %q", env, want)
	}
}

func TestFunctionEnvSiteWithoutFiles(t *testing.T) {
	site := t.TempDir()
	s, err := Load(site)
	if err != nil {
		t.Fatal(err)
	}
	env, from, err := s.FunctionEnv(site, nil, map[string]string{"CONTEXT": "dev"})
	if err != nil {
		t.Fatalf("FunctionEnv of a site with no netlify.toml or .env: %v", err)
	}
	if want := []string{"CONTEXT=dev"}; !reflect.DeepEqual(env, want) {
		t.Errorf("FunctionEnv = %q, want %q", env, want)
	}
	if want := map[string]EnvSource{"CONTEXT": "dev"}; !reflect.DeepEqual(from, want) {
		t.Errorf("sources = %v, want %v", from, want)
	}
}

func TestFunctionEnvBrokenDotEnv(t *testing.T) {
	for _, name := range []string{".env", ".env.development"} {
		t.Run(name, func(t *testing.T) {
			site := writeSite(t, map[string]string{name: "# keys\nGOOD=1\n\nthis line has no equals sign\n"})
			env, from, err := (&Site{}).FunctionEnv(site, nil, nil)
			if err == nil {
				t.Fatalf("FunctionEnv = %q, %v, want an error", env, from)
			}
			if want := filepath.Join(site, name) + ":4:"; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
			if !strings.Contains(err.Error(), "this line has no equals sign") {
				t.Errorf("error %q does not quote the line", err)
			}
		})
	}
}

func TestReadDotEnv(t *testing.T) {
	tests := []struct {
		name string
		file string
		want map[string]string
	}{
		{"plain", "FOO=bar\n", map[string]string{"FOO": "bar"}},
		{"no final newline", "FOO=bar", map[string]string{"FOO": "bar"}},
		{"crlf", "FOO=bar\r\nBAZ=qux\r\n", map[string]string{"FOO": "bar", "BAZ": "qux"}},
		{"comments and blank lines", "# a comment\n\n   # indented comment\nFOO=bar\n\t\n", map[string]string{"FOO": "bar"}},
		{"export prefix", "export FOO=bar\nexport   BAR=baz\n", map[string]string{"FOO": "bar", "BAR": "baz"}},
		{"spaces around =", "  FOO  =  bar  \n", map[string]string{"FOO": "bar"}},
		{"empty value", "FOO=\nBAR=   \n", map[string]string{"FOO": "", "BAR": ""}},
		{"empty quoted values", "FOO=\"\"\nBAR=''\n", map[string]string{"FOO": "", "BAR": ""}},
		{"= in value", "DSN=postgres://u:p@h/db?sslmode=disable&a=b\nEQ==\n", map[string]string{"DSN": "postgres://u:p@h/db?sslmode=disable&a=b", "EQ": "="}},
		{"inline comment", "FOO=bar # the bar\n", map[string]string{"FOO": "bar"}},
		{"# starts a comment anywhere in a bare value, as dotenv reads it", "COLOR=#fff\nTAG=a#b\nQ=\"#fff\"\n", map[string]string{"COLOR": "", "TAG": "a", "Q": "#fff"}},
		{"a comment after quotes", "Q=\"bar\" # c\nS='x y' #c\n", map[string]string{"Q": "bar", "S": "x y"}},
		{"a comment after an empty value", "FOO= # c\nT=a\t# c\n", map[string]string{"FOO": "", "T": "a"}},
		{"a byte-order mark", "\ufeffFOO=1\n", map[string]string{"FOO": "1"}},
		{"double quotes", `FOO="bar baz"` + "\n", map[string]string{"FOO": "bar baz"}},
		{"double quotes keep #", `FOO="a # b"` + "\n", map[string]string{"FOO": "a # b"}},
		{"double quotes keep spaces", `FOO="  padded  "` + "\n", map[string]string{"FOO": "  padded  "}},
		{"double quotes escape newline", `KEY="line1\nline2"` + "\n", map[string]string{"KEY": "line1\nline2"}},
		{"double quotes escape quote", `SAY="he said \"hi\""` + "\n", map[string]string{"SAY": `he said "hi"`}},
		{"double quotes escape backslash", `PATH_LIKE="C:\\dir\\new"` + "\n", map[string]string{"PATH_LIKE": `C:\dir\new`}},
		{"escaped backslash before n", `X="a\\nb"` + "\n", map[string]string{"X": `a\nb`}},
		{"other escapes kept", `TAB="a\tb"` + "\n", map[string]string{"TAB": `a\tb`}},
		{"single quotes are literal", `FOO='a\nb "c" # d'` + "\n", map[string]string{"FOO": `a\nb "c" # d`}},
		{"unbalanced quote kept", "FOO=\"bar\nBAR='baz\nQ=\"\n", map[string]string{"FOO": `"bar`, "BAR": "'baz", "Q": `"`}},
		{"mixed quotes kept", `FOO="bar'` + "\n", map[string]string{"FOO": `"bar'`}},
		{"last one wins", "FOO=1\nFOO=2\n", map[string]string{"FOO": "2"}},
		{"names keep case and dots", "foo.bar-baz=1\nFoo=2\n", map[string]string{"foo.bar-baz": "1", "Foo": "2"}},
		{"empty file", "", map[string]string{}},
		{"only comments", "# nothing\n", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(writeSite(t, map[string]string{".env": tt.file}), ".env")
			got, err := readDotEnv(path)
			if err != nil {
				t.Fatalf("readDotEnv(%q): %v", tt.file, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("readDotEnv(%q) = %q, want %q", tt.file, got, tt.want)
			}
		})
	}
}

func TestReadDotEnvRefuses(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		wantLine string
	}{
		{"no =", "FOO\n", ":1:"},
		{"export without =", "export FOO\n", ":1:"},
		{"empty name", "=bar\n", ":1:"},
		{"space in name", "# ok\nMY KEY=1\n", ":2:"},
		{"tab in name", "A=1\nB=2\nMY\tKEY=1\n", ":3:"},
		{"counted after blank lines", "\n\n\n# c\nFOO\n", ":5:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(writeSite(t, map[string]string{".env": tt.file}), ".env")
			got, err := readDotEnv(path)
			if err == nil {
				t.Fatalf("readDotEnv(%q) = %q, want an error", tt.file, got)
			}
			if want := path + tt.wantLine; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
			if !strings.Contains(err.Error(), "KEY=VALUE") {
				t.Errorf("error %q does not say what a line should be", err)
			}
		})
	}
}

func TestReadDotEnvMissingFile(t *testing.T) {
	got, err := readDotEnv(filepath.Join(t.TempDir(), ".env"))
	if err != nil || len(got) != 0 {
		t.Errorf("readDotEnv of a missing file = %q, %v, want nothing and no error", got, err)
	}
}

func TestReadDotEnvFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := readDotEnv(path); err == nil {
		t.Errorf("readDotEnv of a folder = %q, want an error", got)
	} else if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
}

func TestPublishDirDefaultIsTheSiteItself(t *testing.T) {
	if got := (&Site{}).PublishDir("site"); got != "site" {
		t.Fatalf("PublishDir(site) = %q", got)
	}
}
