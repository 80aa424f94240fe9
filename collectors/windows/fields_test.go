package windows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The Mapper's source is read: every EventData name it reads (value(d, "X"), d["X"], and the
// prefix given to m.user) is in fields, and fields names nothing else. A name read some other way
// fails the test, so a reader keeping only fields never drops what the Mapper wants.
func TestFieldsAreWhatTheMapperReads(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	read := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "fields.go" {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncDecl:
				return x.Name.Name != "value" // value itself reads d[k]
			case *ast.CallExpr:
				name := callee(x)
				switch {
				case name == "value" && len(x.Args) == 2:
					if s, ok := literal(x.Args[1]); ok {
						read[s] = true
					} else if b, ok := x.Args[1].(*ast.BinaryExpr); !ok || !isIdent(b.X, "who") {
						t.Errorf("%s: value() with a key that is no literal", fset.Position(x.Pos()))
					} else if s, ok := literal(b.Y); !ok || !slices.Contains([]string{"UserName", "DomainName", "UserSid"}, s) {
						t.Errorf("%s: who+ a new suffix", fset.Position(x.Pos()))
					}
				case name == "user" && len(x.Args) == 3:
					who, ok := literal(x.Args[2])
					if !ok {
						t.Errorf("%s: m.user() with a prefix that is no literal", fset.Position(x.Pos()))
					}
					for _, s := range []string{"UserName", "DomainName", "UserSid"} {
						read[who+s] = true
					}
				}
			case *ast.IndexExpr:
				if isData(x.X) {
					if s, ok := literal(x.Index); ok {
						read[s] = true
					} else {
						t.Errorf("%s: Data[] with a key that is no literal", fset.Position(x.Pos()))
					}
				}
			}
			return true
		})
	}
	for s := range read {
		if _, ok := fields[s]; !ok {
			t.Errorf("the Mapper reads %s: add it to fields", s)
		}
	}
	for s := range fields {
		if !read[s] {
			t.Errorf("fields names %s, which the Mapper does not read", s)
		}
	}
}

func callee(c *ast.CallExpr) string {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

func literal(e ast.Expr) (string, bool) {
	l, ok := e.(*ast.BasicLit)
	if !ok || l.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(l.Value)
	return s, err == nil
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// isData: d (the Mapper's name for r.Data) or r.Data.
func isData(e ast.Expr) bool {
	if s, ok := e.(*ast.SelectorExpr); ok {
		return s.Sel.Name == "Data"
	}
	return isIdent(e, "d")
}
