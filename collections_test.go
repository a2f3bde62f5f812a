package keyfactor

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
)

func TestCollectionsWireFormat(t *testing.T) {
	ctx := context.Background()
	c, m := newTestClient(t)
	written := strings.Replace(collectionJSON, `"Id":5,`, `"Id":5,"Query":"TemplateName -eq \"WebServer\"",`, 1)
	m.RegisterResponder("GET", testBase+"/CertificateCollections", httpmock.NewStringResponder(200, "["+collectionJSON+"]"))
	m.RegisterResponder("GET", testBase+"/CertificateCollections/5", httpmock.NewStringResponder(200, collectionJSON))
	m.RegisterResponder("POST", testBase+"/CertificateCollections", httpmock.NewStringResponder(200, written))
	m.RegisterResponder("POST", testBase+"/CertificateCollections/Copy", httpmock.NewStringResponder(200, written))
	m.RegisterResponder("PUT", testBase+"/CertificateCollections", httpmock.NewStringResponder(200, written))
	m.RegisterResponder("DELETE", testBase+"/CertificateCollections/5", httpmock.NewStringResponder(204, ""))

	got, err := c.Collections.Get(ctx, 5)
	if err != nil || got.Name != "Web Servers" || got.Query != "" || got.Content == "" || got.DuplicationField != 1 ||
		got.LastEstimated == nil || got.EstimatedCertCount != 42 {
		t.Errorf("Get = %+v, %v", got, err)
	}
	wireCheck(t, m, "Get", "GET", "CertificateCollections/5", url.Values{}, "")
	if got, err := c.Collections.GetByName(ctx, "Web Servers"); err != nil || got.ID != 5 {
		t.Errorf("GetByName = %+v, %v", got, err)
	}
	wireCheck(t, m, "GetByName", "GET", "CertificateCollections", url.Values{"QueryString": {`Name -eq "Web Servers"`},
		"PageReturned": {"1"}, "ReturnLimit": {"1000"}}, "")
	if _, err := c.Collections.GetByName(ctx, "web servers"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another case is another collection: %v", err)
	}

	created, err := c.Collections.Create(ctx, CreateCollectionRequest{Name: "Web Servers", Query: `TemplateName -eq "WebServer"`, ShowOnDashboard: true})
	if err != nil || created.Query == "" {
		t.Errorf("Create = %+v, %v", created, err)
	}
	wireCheck(t, m, "Create", "POST", "CertificateCollections", url.Values{},
		`{"Name":"Web Servers","Query":"TemplateName -eq \"WebServer\"","DuplicationField":0,"ShowOnDashboard":true,"Favorite":false}`)
	if _, err := c.Collections.Copy(ctx, CopyCollectionRequest{CopyFromID: 5, Name: "Web Servers EU"}); err != nil {
		t.Fatal(err)
	}
	wireCheck(t, m, "Copy", "POST", "CertificateCollections/Copy", url.Values{}, `{"CopyFromId":5,"Name":"Web Servers EU"}`)
	if _, err := c.Collections.Update(ctx, UpdateCollectionRequest{ID: 5, Name: "Web Servers"}); err != nil {
		t.Fatal(err)
	}
	wireCheck(t, m, "Update", "PUT", "CertificateCollections", url.Values{},
		`{"Id":5,"Name":"Web Servers","Description":"","Query":"","DuplicationField":0,"ShowOnDashboard":false,"Favorite":false}`)
	if err := c.Collections.Delete(ctx, 5); err != nil {
		t.Fatal(err)
	}
	wireCheck(t, m, "Delete", "DELETE", "CertificateCollections/5", url.Values{}, "")

	before := m.GetTotalCallCount()
	_, err = c.Collections.Create(ctx, CreateCollectionRequest{DuplicationField: 9})
	assertValidation(t, err, "Collections.Create", []string{"Name", "DuplicationField"}, "")
	_, err = c.Collections.Copy(ctx, CopyCollectionRequest{Name: "x"})
	assertValidation(t, err, "Collections.Copy", []string{"CopyFromID"}, "")
	if m.GetTotalCallCount() != before {
		t.Error("bad input was sent")
	}
}
