package keyfactor

import (
	"context"
	"errors"
	"testing"

	"github.com/jarcoal/httpmock"
)

// TestPruneRereadsBeforeDeleting: a role listed under a name the set does
// not hold, but renamed by the time of its DELETE, is not deleted; one
// already gone counts as done; the rest are deleted.
func TestPruneRereadsBeforeDeleting(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Security/Roles", httpmock.NewStringResponder(200,
		`[{"Id":1,"Name":"Administrator","Immutable":true},{"Id":8,"Name":"Stray"},{"Id":9,"Name":"Old Name"},{"Id":10,"Name":"Gone"}]`))
	m.RegisterResponder("GET", testBase+"/Security/Roles/8", httpmock.NewStringResponder(200,
		`{"Id":8,"Name":"Stray","Description":"d","Permissions":[],"Claims":[]}`))
	m.RegisterResponder("GET", testBase+"/Security/Roles/9", httpmock.NewStringResponder(200,
		`{"Id":9,"Name":"Break Glass","Description":"renamed meanwhile","Permissions":[],"Claims":[]}`))
	m.RegisterResponder("GET", testBase+"/Security/Roles/10", httpmock.NewStringResponder(404,
		`{"ErrorCode":"0xA0110005","Message":"Security role with Id 10 was not found."}`))
	m.RegisterResponder("DELETE", `=~/Security/Roles/\d+$`, httpmock.NewStringResponder(204, ""))
	m.RegisterResponder("GET", testBase+"/Security/My", fixtureResponder(t, 200, "security_my_v1.json"))

	plan, err := c.Roles.Sync(context.Background(), []CreateRoleRequest{}, SyncOptions{Prune: true, Protect: []string{"Break Glass"}})
	if err == nil || len(plan.Items) != 3 {
		t.Fatalf("Sync = %+v, %v", plan, err)
	}
	byName := map[string]error{}
	for _, item := range plan.Items {
		byName[item.Name] = item.Err
	}
	if byName["Stray"] != nil || byName["Gone"] != nil || !errors.Is(byName["Old Name"], ErrConflict) {
		t.Errorf("items: %v", byName)
	}
	info := m.GetCallCountInfo()
	if info[`DELETE =~/Security/Roles/\d+$`] != 1 {
		t.Errorf("%d DELETEs, want only Stray's: %v", info[`DELETE =~/Security/Roles/\d+$`], info)
	}
	for _, r := range m.requests() {
		if r.Method == "DELETE" && r.URL != testBase+"/Security/Roles/8" {
			t.Errorf("deleted %s", r.URL)
		}
	}
}
