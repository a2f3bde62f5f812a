package keyfactor

import (
	"context"
	"net/url"
	"testing"

	"github.com/jarcoal/httpmock"
)

func TestContainersWireFormat(t *testing.T) {
	ctx := context.Background()
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/CertificateStoreContainers", httpmock.NewStringResponder(200,
		`[{"Id":3,"Name":"IIS Farm","OverwriteSchedules":false,"Schedule":"0 */12 * * *","CertStoreType":5,"StoreCount":12}]`))
	m.RegisterResponder("GET", testBase+"/CertificateStoreContainers/3", httpmock.NewStringResponder(200,
		`{"Id":3,"Name":"IIS Farm","Schedule":{"Interval":{"Minutes":720}},"CertStoreType":5,"CertificateStores":[{},{}]}`))
	for got, err := range c.Containers.List(ctx, ListContainersOptions{}) {
		if err != nil || got != (Container{ID: 3, Name: "IIS Farm", CertStoreType: 5, StoreCount: 12, Schedule: "0 */12 * * *"}) {
			t.Errorf("List = %+v, %v", got, err)
		}
	}
	got, err := c.Containers.Get(ctx, 3)
	if err != nil || *got != (Container{ID: 3, Name: "IIS Farm", CertStoreType: 5, StoreCount: 2, Schedule: `{"Interval":{"Minutes":720}}`}) {
		t.Errorf("Get = %+v, %v", got, err)
	}
	wireCheck(t, m, "Get", "GET", "CertificateStoreContainers/3", url.Values{}, "")
	// One probe, on the first call only.
	if n := m.GetCallCountInfo()["GET "+testBase+"/CertificateStoreContainers"]; n != 2 {
		t.Errorf("%d list requests; want the probe and the list", n)
	}

	// A server that answers only /Applications.
	c2, m2 := newTestClient(t)
	m2.RegisterResponder("GET", testBase+"/CertificateStoreContainers", httpmock.NewStringResponder(404, `{"ErrorCode":"0xA0110005","Message":"No route"}`))
	m2.RegisterResponder("GET", testBase+"/Applications", httpmock.NewStringResponder(200, `[{"Id":3,"Name":"IIS Farm"}]`))
	m2.RegisterResponder("GET", testBase+"/Applications/3", httpmock.NewStringResponder(200, `{"Id":3,"Name":"IIS Farm","Schedule":{}}`))
	if got, err := c2.Containers.GetByName(ctx, "IIS Farm"); err != nil || got.ID != 3 {
		t.Errorf("GetByName on /Applications = %+v, %v", got, err)
	}
	if got, err := c2.Containers.Get(ctx, 3); err != nil || got.Schedule != "{}" {
		t.Errorf("Get on /Applications = %+v, %v", got, err)
	}
}
