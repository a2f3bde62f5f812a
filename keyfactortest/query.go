package keyfactortest

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The subset of Keyfactor's query language the fake understands: clauses
// `Field -op "value"` (or a bare number or boolean: `ClaimType -eq 4`) joined by AND (any case), each optionally in
// parentheses, as Keyfactor's own clients write them
// (`((Name -eq "PKI Admins"))`). Operators: -eq, -ne, -contains,
// -notcontains, -startswith, -endswith, and -ge, -gt, -le, -lt (as times
// or numbers when both sides read as such); string comparison ignores
// case, as on Command. A value holding a double quote cannot be written (the
// language documents no escape).

type clause struct {
	field, op, value string
}

var clauseRE = regexp.MustCompile(`^\s*\(*\s*([A-Za-z]+)\s+(-[a-z]+)\s+(?:"([^"]*)"|([0-9]+|true|false))\s*\)*\s*$`)

var andRE = regexp.MustCompile(`(?i)\s+and\s+`)

// splitAnd splits q at each AND (any case) outside double quotes: a value
// such as "Sales and Marketing" is one value.
func splitAnd(q string) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(q); i++ {
		switch {
		case q[i] == '"':
			quoted = !quoted
		case !quoted:
			if loc := andRE.FindStringIndex(q[i:]); loc != nil && loc[0] == 0 {
				parts = append(parts, q[start:i])
				start = i + loc[1]
				i = start - 1
			}
		}
	}
	return append(parts, q[start:])
}

// parseQuery parses q for a resource whose query fields are fields (their
// canonical spelling; matched in any case).
func parseQuery(q string, fields ...string) ([]clause, error) {
	if strings.TrimSpace(q) == "" {
		return nil, nil
	}
	var out []clause
	for _, part := range splitAnd(q) {
		m := clauseRE.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("unsupported query clause '%s'", strings.TrimSpace(part))
		}
		field := ""
		for _, f := range fields {
			if strings.EqualFold(f, m[1]) {
				field = f
			}
		}
		if field == "" {
			return nil, fmt.Errorf("unknown query field '%s'", m[1])
		}
		switch m[2] {
		case "-eq", "-ne", "-contains", "-notcontains", "-startswith", "-endswith", "-ge", "-gt", "-le", "-lt":
		default:
			return nil, fmt.Errorf("unsupported operator '%s'", m[2])
		}
		out = append(out, clause{field: field, op: m[2], value: m[3] + m[4]}) // quoted text, or a bare number or boolean
	}
	return out, nil
}

// matches reports whether every clause holds, reading fields with get.
func matches(clauses []clause, get func(field string) string) bool {
	for _, c := range clauses {
		v, want := strings.ToLower(get(c.field)), strings.ToLower(c.value)
		var ok bool
		switch c.op {
		case "-eq":
			ok = v == want
		case "-ne":
			ok = v != want
		case "-contains":
			ok = strings.Contains(v, want)
		case "-notcontains":
			ok = !strings.Contains(v, want)
		case "-startswith":
			ok = strings.HasPrefix(v, want)
		case "-endswith":
			ok = strings.HasSuffix(v, want)
		case "-ge", "-gt", "-le", "-lt":
			ok = ordered(c.op, v, want)
		}
		if !ok {
			return false
		}
	}
	return true
}

// ordered compares a field with a value as times, numbers, or else text.
func ordered(op, v, want string) bool {
	cmp := strings.Compare(v, want)
	if a, err := time.Parse(time.RFC3339, strings.ToUpper(v)); err == nil {
		if b, err := time.Parse(time.RFC3339, strings.ToUpper(want)); err == nil {
			cmp = a.Compare(b)
		}
	} else if a, err := strconv.ParseFloat(v, 64); err == nil {
		if b, err := strconv.ParseFloat(want, 64); err == nil {
			cmp = map[bool]int{true: -1, false: 1}[a < b]
			if a == b {
				cmp = 0
			}
		}
	}
	switch op {
	case "-ge":
		return cmp >= 0
	case "-gt":
		return cmp > 0
	case "-le":
		return cmp <= 0
	}
	return cmp < 0
}

// paging is a list request's PageReturned, ReturnLimit, SortField and
// SortAscending, with Keyfactor's defaults (1, 50, the resource's default
// field, ascending).
type paging struct {
	page, limit int
	sortField   string
	descending  bool
}

// parsePaging reads the paging parameters; sortFields are the fields the
// resource sorts by, the first being the default. Parameter names match in
// the exact spelling strictQuery enforces.
func parsePaging(get func(string) string, sortFields ...string) (paging, string) {
	p := paging{page: 1, limit: 50, sortField: sortFields[0]}
	for name, dst := range map[string]*int{"PageReturned": &p.page, "ReturnLimit": &p.limit} {
		if v := get(name); v != "" {
			// Keyfactor's paging parameters are 32-bit: a larger value is a
			// 400, and (page-1)*limit cannot overflow an int.
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n <= 0 {
				return p, fmt.Sprintf("Invalid %s '%s'.", name, v)
			}
			*dst = int(n)
		}
	}
	if f := get("SortField"); f != "" {
		p.sortField = ""
		for _, known := range sortFields {
			if strings.EqualFold(known, f) {
				p.sortField = known
			}
		}
		if p.sortField == "" {
			return p, fmt.Sprintf("Invalid sort field '%s'.", f)
		}
	}
	switch get("SortAscending") {
	case "", "0":
	case "1":
		p.descending = true
	default:
		return p, fmt.Sprintf("Invalid SortAscending '%s'; use 0 (ascending) or 1 (descending).", get("SortAscending"))
	}
	return p, ""
}

// window returns the part of n sorted items that p's page shows, as a
// start and end index.
func (p paging) window(n int) (start, end int) {
	first := int64(p.page-1) * int64(p.limit)
	start = int(min(first, int64(n)))
	return start, int(min(int64(start)+int64(p.limit), int64(n)))
}

// strictQuery returns a lookup of r's query parameters after checking that
// each is spelt exactly as one of allowed. Command itself binds parameters
// in any case; the fake insists on Keyfactor's documented spelling so that a
// client with a misspelt parameter (silently ignored by a real server, and
// so an unfiltered or unscoped request) finds out in its tests.
func strictQuery(r *http.Request, allowed ...string) (func(string) string, string) {
	q := r.URL.Query()
	for k := range q {
		if !slices.Contains(allowed, k) {
			for _, a := range allowed {
				if strings.EqualFold(a, k) {
					return nil, fmt.Sprintf("Query parameter '%s' is spelt '%s' in Keyfactor's API.", k, a)
				}
			}
			return nil, fmt.Sprintf("Unknown query parameter '%s'.", k)
		}
	}
	return q.Get, ""
}

// listRequest is a list request's query, read by listQuery.
type listRequest struct {
	get     func(string) string // any parameter, for the endpoint's own
	paging  paging
	clauses []clause // the QueryString's
}

// listQuery reads a list request's query: paging, sorting by one of
// sortFields (the first is the default), a QueryString over queryFields
// (none: accepted and ignored, as some endpoints do) and the extra
// parameters the endpoint adds. A bad one is answered with Command's 400
// here, and ok is false.
func (c *reqCtx) listQuery(sortFields, queryFields []string, extra ...string) (listRequest, bool) {
	allowed := append([]string{"QueryString", "PageReturned", "ReturnLimit", "SortField", "SortAscending"}, extra...)
	get, problem := strictQuery(c.r, allowed...)
	var lr listRequest
	if problem == "" {
		lr.get = get
		lr.paging, problem = parsePaging(get, sortFields...)
	}
	if problem == "" && len(queryFields) > 0 {
		clauses, err := parseQuery(get("QueryString"), queryFields...)
		if err != nil {
			problem = "Invalid query: " + err.Error() + "."
		}
		lr.clauses = clauses
	}
	if problem != "" {
		writeError(c.w, http.StatusBadRequest, codeBadQuery, problem)
		return lr, false
	}
	return lr, true
}

// writePage answers with the part of the sorted items p selects, each
// made into its wire form by out; an empty page is [].
func writePage[T, O any](c *reqCtx, p paging, sorted []T, out func(T) O) {
	start, end := p.window(len(sorted))
	page := make([]O, 0, end-start)
	for _, x := range sorted[start:end] {
		page = append(page, out(x))
	}
	writeJSON(c.w, http.StatusOK, page)
}
