package keyfactor

import (
	"iter"
	"strings"
)

// The find-by-name step every service shares. Keyfactor's list queries
// narrow a list but prove nothing: their string comparison may ignore case,
// a name holding `"` cannot be queried at all, and pages may overlap when the
// list shifts while it is read. So a lookup reads the narrowed list, keeps
// each item once, and compares names here.

// nameQuery is the QueryString that narrows a list to name, or "" when the
// name holds a double quote, which Keyfactor's query language cannot escape
// (the whole list is read instead).
func nameQuery(name string) string {
	if strings.ContainsRune(name, '"') {
		return ""
	}
	return `Name -eq "` + name + `"`
}

// sameName collects the items of a list whose name equals name ignoring
// case (as Command compares names), each id once, in list order.
func sameName[T any, K comparable](items iter.Seq2[T, error], name string, idName func(*T) (K, string)) ([]T, error) {
	var out []T
	seen := map[K]bool{}
	for item, err := range items {
		if err != nil {
			return nil, err
		}
		id, n := idName(&item)
		if !seen[id] && strings.EqualFold(n, name) {
			seen[id] = true
			out = append(out, item)
		}
	}
	return out, nil
}

// exactName keeps the items whose name is exactly name.
func exactName[T any](items []T, name string, nameOf func(*T) string) []T {
	var out []T
	for i := range items {
		if nameOf(&items[i]) == name {
			out = append(out, items[i])
		}
	}
	return out
}
