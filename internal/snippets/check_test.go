// Package snippets holds a copy of every Go snippet in README.md and in the
// module's doc comments, each inside the code it assumes around it, so that
// building the tests compiles them against the current API. The tests in
// this file fail when a snippet has no such copy: a new or changed snippet
// must be mirrored here (readme_test.go, docs_test.go) before it can land.
//
// A snippet is mirrored when its lines, with runs of white space made one
// space and blank lines dropped, appear one after another in a mirror file.
// Mirrors that need a real issuer are compiled only; the others run.
package snippets

import (
	"bytes"
	"go/ast"
	"go/doc/comment"
	"go/parser"
	gotoken "go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// root is the module's root directory, seen from this package's directory.
const root = "../.."

// mirrorFiles are the files that hold the copies: this directory's, and
// for the README's snippets that use a nested module (which this module
// cannot import), a file of that module's own tests.
var mirrorFiles = []string{"readme_test.go", "docs_test.go", "../../introspect/redisstore/readme_test.go"}

// snippet is one code block and where it was found.
type snippet struct {
	where string // file:line
	text  string
}

func TestREADMESnippetsAreMirrored(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	snips := fencedGo("README.md", src)
	if len(snips) == 0 {
		t.Fatal("found no ```go block in README.md; has the fence changed?")
	}
	checkMirrored(t, snips, loadMirrors(t))
}

func TestDocSnippetsAreMirrored(t *testing.T) {
	snips, err := docSnippets(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(snips) == 0 {
		t.Fatal("found no Go code block in any doc comment; is the walk broken?")
	}
	checkMirrored(t, snips, loadMirrors(t))
}

// TestCheckFindsAnUnmirroredSnippet shows the check refusing a snippet that
// differs from its mirror by one line, and a snippet split across mirrors.
func TestCheckFindsAnUnmirroredSnippet(t *testing.T) {
	mirrors := [][]string{
		normalize("func f() error {\n\tx, err := g()\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn h(x)\n}\n"),
		normalize("y := 2\n"),
	}
	cases := []struct {
		text string
		want bool
	}{
		{"x, err := g()\nif err != nil {\n    return err\n}", true},
		{"x,  err := g()\n\n\tif err != nil {", true},
		{"x, err := g()\nif err != nil { ... }", false},
		{"x, err := g()\nreturn h(x)", false},
		{"return h(x)\n}\ny := 2", false},
		{"y := 3", false},
	}
	for _, c := range cases {
		if got := mirrored(normalize(c.text), mirrors); got != c.want {
			t.Errorf("mirrored(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

// TestFencedGoFindsEveryGoBlock shows which Markdown fences count as Go.
func TestFencedGoFindsEveryGoBlock(t *testing.T) {
	md := "text\n```go\na := 1\n```\n```sh\ngo test ./...\n```\n```Go\nb := 2\n```\n```golang\nc := 3\n```\n```json\n{}\n```\n"
	got := fencedGo("x.md", []byte(md))
	want := []snippet{{"x.md:3", "a := 1\n"}, {"x.md:9", "b := 2\n"}, {"x.md:12", "c := 3\n"}}
	if len(got) != len(want) {
		t.Fatalf("fencedGo found %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("block %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestDocBlocksTakenForGo pins which doc comment code blocks count as Go:
// those that parse as Go, and those that call or build something of a
// package, so that a broken Go snippet is not mistaken for prose.
func TestDocBlocksTakenForGo(t *testing.T) {
	cases := []struct {
		text string
		want bool
	}{
		{"ids, err := idtoken.NewValidator(idtoken.Config{})", true},
		{"func list(w http.ResponseWriter, r *http.Request) {}", true},
		{"if err != nil { ... }\nkeys, err := jwks.FromIssuer(ctx, iss, jwks.Options{})", true},
		{"at := x\nfunc f() {}", false}, // parses neither way and calls nothing: not taken
		{`{"error":"invalid_token","error_description":"token expired (exp): ..."}`, false},
		{"go run ./examples/quickstart", false},
		{"token.ErrUnavailable             503  Retry-After: 5", false},
		{"GET  /appointments   needs read:appointments", false},
	}
	for _, c := range cases {
		if got := isGo(c.text); got != c.want {
			t.Errorf("isGo(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

func checkMirrored(t *testing.T, snips []snippet, mirrors [][]string) {
	t.Helper()
	for _, s := range snips {
		if !mirrored(normalize(s.text), mirrors) {
			t.Errorf("%s: this Go snippet has no compiled copy in internal/snippets (%s); add one inside the code it assumes, or fix the snippet to match its copy:\n%s",
				s.where, strings.Join(mirrorFiles, ", "), s.text)
		}
	}
}

func loadMirrors(t *testing.T) [][]string {
	t.Helper()
	var out [][]string
	for _, name := range mirrorFiles {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, normalize(string(src)))
	}
	return out
}

var space = regexp.MustCompile(`\s+`)

// normalize returns text's non-blank lines with white space collapsed, so
// that indentation (tabs in Go files, spaces in Markdown) and gofmt's
// alignment do not matter.
func normalize(text string) []string {
	var out []string
	for line := range strings.Lines(text) {
		if l := strings.TrimSpace(space.ReplaceAllString(line, " ")); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// mirrored reports whether lines appear one after another in one of mirrors.
func mirrored(lines []string, mirrors [][]string) bool {
	for _, m := range mirrors {
		for i := 0; i+len(lines) <= len(m); i++ {
			if equal(m[i:i+len(lines)], lines) {
				return true
			}
		}
	}
	return false
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// goFence opens a Go block in Markdown: ```go, also spelled golang, in any case.
var goFence = regexp.MustCompile("(?i)^```(go|golang)$")

// fencedGo returns the ```go blocks of a Markdown file.
func fencedGo(name string, src []byte) []snippet {
	var out []snippet
	var cur *snippet
	for i, line := range bytes.Split(src, []byte("\n")) {
		l := strings.TrimSpace(string(line))
		switch {
		case cur == nil && goFence.MatchString(l):
			cur = &snippet{where: name + ":" + strconv.Itoa(i+2)}
		case cur != nil && l == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += string(line) + "\n"
		}
	}
	return out
}

// docSnippets returns the Go code blocks of every doc comment (package,
// declarations, fields) in the module's non-test Go files. Nested modules
// (directories with their own go.mod) check their own.
func docSnippets(root string) ([]snippet, error) {
	var out []snippet
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); path != root && err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := gotoken.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines := strings.Split(string(src), "\n")
		rel, _ := filepath.Rel(root, path)
		for _, cg := range docComments(f) {
			var p comment.Parser
			for _, b := range p.Parse(cg.Text()).Content {
				code, ok := b.(*comment.Code)
				if ok && isGo(code.Text) {
					line := lineOf(lines, fset.Position(cg.Pos()).Line, code.Text)
					out = append(out, snippet{where: rel + ":" + strconv.Itoa(line), text: code.Text})
				}
			}
		}
		return nil
	})
	return out, err
}

// lineOf returns the number of the first line, from line from on, that
// holds code's first line: where a code block starts in its file.
func lineOf(lines []string, from int, code string) int {
	first, _, _ := strings.Cut(code, "\n")
	for i := from - 1; i < len(lines); i++ {
		if strings.Contains(lines[i], first) {
			return i + 1
		}
	}
	return from
}

// docComments returns the doc comments of f: the package's and those of its
// declarations, specs and fields.
func docComments(f *ast.File) []*ast.CommentGroup {
	var out []*ast.CommentGroup
	add := func(cg *ast.CommentGroup) {
		if cg != nil {
			out = append(out, cg)
		}
	}
	add(f.Doc)
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GenDecl:
			add(n.Doc)
		case *ast.FuncDecl:
			add(n.Doc)
		case *ast.TypeSpec:
			add(n.Doc)
		case *ast.ValueSpec:
			add(n.Doc)
		case *ast.Field:
			add(n.Doc)
		}
		return true
	})
	return out
}

// callOrLiteral matches a use of a package's exported name as a call or a
// composite literal: accesstoken.NewValidator(, idtoken.Config{.
var callOrLiteral = regexp.MustCompile(`\b[a-z][a-z0-9]*\.[A-Z][A-Za-z0-9_]*[({]`)

// isGo reports whether a doc comment's code block is Go (rather than a
// table, a JSON body or a shell command): it parses as Go declarations or
// statements, or it calls or builds something of a package, which catches a
// Go snippet too broken to parse.
func isGo(text string) bool {
	fset := gotoken.NewFileSet()
	if _, err := parser.ParseFile(fset, "", "package p\n"+text, 0); err == nil {
		return true
	}
	if _, err := parser.ParseFile(fset, "", "package p\nfunc _() {\n"+text+"\n}\n", 0); err == nil {
		return true
	}
	return callOrLiteral.MatchString(text)
}
