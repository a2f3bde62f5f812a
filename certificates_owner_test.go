package keyfactor

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
)

func TestOwnerWireFormat(t *testing.T) {
	tests := []struct {
		name      string
		run       func(*CertificatesService) error
		wantURL   string
		wantBody  string
		wantDebug bool
	}{
		{"role id", func(s *CertificatesService) error {
			return s.UpdateOwner(context.Background(), 42, UpdateOwnerRequest{NewRoleID: Ptr(7)})
		}, testBase + "/Certificates/42/Owner", `{"NewRoleId":7}`, false},
		{"role name", func(s *CertificatesService) error {
			return s.UpdateOwner(context.Background(), 42, UpdateOwnerRequest{NewRoleName: Ptr("PKI Operators")})
		}, testBase + "/Certificates/42/Owner", `{"NewRoleName":"PKI Operators"}`, false},
		{"collection scope", func(s *CertificatesService) error {
			return s.UpdateOwner(context.Background(), 42, UpdateOwnerRequest{NewRoleID: Ptr(7), CollectionID: 3})
		}, testBase + "/Certificates/42/Owner?CollectionId=3", `{"NewRoleId":7}`, false},
		{"container scope", func(s *CertificatesService) error {
			return s.UpdateOwner(context.Background(), 42, UpdateOwnerRequest{NewRoleName: Ptr("Ops"), ContainerID: 9})
		}, testBase + "/Certificates/42/Owner?ContainerId=9", `{"NewRoleName":"Ops"}`, false},
		{"collection wins over container", func(s *CertificatesService) error {
			return s.UpdateOwner(context.Background(), 42, UpdateOwnerRequest{NewRoleID: Ptr(7), CollectionID: 3, ContainerID: 9})
		}, testBase + "/Certificates/42/Owner?CollectionId=3", `{"NewRoleId":7}`, true},
		{"clear", func(s *CertificatesService) error {
			return s.ClearOwner(context.Background(), 42, OwnerScope{})
		}, testBase + "/Certificates/42/Owner", `{}`, false},
		{"clear in a container", func(s *CertificatesService) error {
			return s.ClearOwner(context.Background(), 42, OwnerScope{ContainerID: 9})
		}, testBase + "/Certificates/42/Owner?ContainerId=9", `{}`, false},
		{"clear with both scopes", func(s *CertificatesService) error {
			return s.ClearOwner(context.Background(), 42, OwnerScope{CollectionID: 3, ContainerID: 9})
		}, testBase + "/Certificates/42/Owner?CollectionId=3", `{}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			c, m := newTestClient(t, func(c *Config) {
				c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			m.RegisterNoResponder(httpmock.NewStringResponder(204, ""))
			if err := tt.run(c.Certificates); err != nil {
				t.Fatal(err)
			}
			if n := m.GetTotalCallCount(); n != 1 {
				t.Fatalf("%d requests", n)
			}
			r := m.last(t)
			if r.Method != "PUT" || r.URL != tt.wantURL {
				t.Errorf("sent %s %s, want PUT %s", r.Method, r.URL, tt.wantURL)
			}
			if v := r.Header.Get("x-keyfactor-api-version"); v != "1.0" {
				t.Errorf("api version %q", v)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			assertJSON(t, r.Body, tt.wantBody)
			if bytes.Contains(r.Body, []byte("NewRoleName\":\"\"")) {
				t.Error(`sent "NewRoleName":"", which does not clear the owner`)
			}
			noted := strings.Contains(logs.String(), "CollectionID takes precedence")
			if noted != tt.wantDebug {
				t.Errorf("precedence debug note = %v; logs: %s", noted, logs.String())
			}
		})
	}
}

func TestOwnerValidation(t *testing.T) {
	tests := []struct {
		name   string
		id     int
		req    UpdateOwnerRequest
		fields []string
		hint   string
	}{
		{"certificate id 0", 0, UpdateOwnerRequest{NewRoleID: Ptr(1)}, []string{"certificateID"}, "greater than 0"},
		{"negative certificate id", -4, UpdateOwnerRequest{NewRoleID: Ptr(1)}, []string{"certificateID"}, "got -4"},
		{"both role fields", 1, UpdateOwnerRequest{NewRoleID: Ptr(1), NewRoleName: Ptr("x")}, []string{"NewRoleName"}, "only one"},
		{"neither role field", 1, UpdateOwnerRequest{}, []string{"NewRoleID"}, "ClearOwner"},
		{"role id 0", 1, UpdateOwnerRequest{NewRoleID: Ptr(0)}, []string{"NewRoleID"}, "greater than 0"},
		{"negative role id", 1, UpdateOwnerRequest{NewRoleID: Ptr(-2)}, []string{"NewRoleID"}, "greater than 0"},
		{"empty role name", 1, UpdateOwnerRequest{NewRoleName: Ptr("")}, []string{"NewRoleName"}, "blank"},
		{"blank role name", 1, UpdateOwnerRequest{NewRoleName: Ptr(" \t ")}, []string{"NewRoleName"}, "blank"},
		{"negative collection", 1, UpdateOwnerRequest{NewRoleID: Ptr(1), CollectionID: -1}, []string{"CollectionID"}, "negative"},
		{"negative container", 1, UpdateOwnerRequest{NewRoleID: Ptr(1), ContainerID: -1}, []string{"ContainerID"}, "negative"},
		{"everything wrong at once", -1, UpdateOwnerRequest{NewRoleName: Ptr(""), CollectionID: -1, ContainerID: -2},
			[]string{"certificateID", "NewRoleName", "CollectionID", "ContainerID"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newTestClient(t)
			err := c.Certificates.UpdateOwner(context.Background(), tt.id, tt.req)
			assertValidation(t, err, "Certificates.UpdateOwner", tt.fields, tt.hint)
			if n := m.GetTotalCallCount(); n != 0 {
				t.Errorf("%d requests reached the transport", n)
			}
		})
	}
	t.Run("ClearOwner", func(t *testing.T) {
		c, m := newTestClient(t)
		err := c.Certificates.ClearOwner(context.Background(), 0, OwnerScope{CollectionID: -1})
		assertValidation(t, err, "Certificates.ClearOwner", []string{"certificateID", "CollectionID"}, "")
		if n := m.GetTotalCallCount(); n != 0 {
			t.Errorf("%d requests reached the transport", n)
		}
	})
}

func TestOwnerServerErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		fixture  string
		sentinel error
		clear    bool
	}{
		{"owner required by policy", 400, "error_owner_required.json", nil, true},
		{"bad credentials", 401, "error_unauthorized.json", ErrUnauthorized, false},
		{"no change-owner permission on the collection", 403, "error_forbidden_collection.json", ErrForbidden, false},
		{"unknown certificate", 404, "error_not_found.json", ErrNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newTestClient(t)
			m.RegisterNoResponder(fixtureResponder(t, tt.status, tt.fixture))
			var err error
			if tt.clear {
				err = c.Certificates.ClearOwner(context.Background(), 4242, OwnerScope{})
			} else {
				err = c.Certificates.UpdateOwner(context.Background(), 4242, UpdateOwnerRequest{NewRoleID: Ptr(7), CollectionID: 7})
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %T %v", err, err)
			}
			code, msg := parseErrorBody(fixture(t, tt.fixture))
			if apiErr.StatusCode != tt.status || apiErr.ErrorCode != code || apiErr.Message != msg {
				t.Errorf("got %d %q %q; want %d %q %q", apiErr.StatusCode, apiErr.ErrorCode, apiErr.Message, tt.status, code, msg)
			}
			if !strings.Contains(err.Error(), msg) {
				t.Errorf("error %q does not carry the message verbatim", err)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", tt.sentinel)
			}
			if errors.Is(err, ErrValidation) {
				t.Error("a server error matches ErrValidation")
			}
			if n := m.GetTotalCallCount(); n != 1 {
				t.Errorf("sent %d times; a 4xx must not be retried", n)
			}
		})
	}
}
