package keyfactor

import "testing"

// FuzzPageDecoder: a page never yields more items than asked for, whatever
// the server sends, and never panics.
func FuzzPageDecoder(f *testing.F) {
	for _, s := range []string{`[]`, `null`, `[{"Id":1,"Name":"a"}]`, `[{},{},{}]`, `[{}]]`, `{"Id":1}`, `[1]`, `[{"Id":1}`} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, body []byte, limit uint8) {
		p := pageOf[RoleSummary]{limit: int(limit)}
		if err := p.decodeBody(body); err == nil && len(p.items) > int(limit) {
			t.Fatalf("%d items for a limit of %d", len(p.items), limit)
		}
		c := pageOf[Certificate]{limit: int(limit)}
		if err := c.decodeBody(body); err == nil && len(c.items) > int(limit) {
			t.Fatalf("%d certificates for a limit of %d", len(c.items), limit)
		}
	})
}
