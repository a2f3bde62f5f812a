package keyfactor_test

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"iter"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
)

// The wave 4 names of DESIGN.md with their types and signatures, as a
// program written against DESIGN alone uses them. This file compiles only
// while they hold: a renamed field or a changed signature breaks the build
// of the tests, not a user's program first.
var (
	_ = keyfactor.Client{Enrollment: (*keyfactor.EnrollmentService)(nil), Templates: (*keyfactor.TemplatesService)(nil),
		CertificateAuthorities: (*keyfactor.CertificateAuthoritiesService)(nil), MetadataFields: (*keyfactor.MetadataFieldsService)(nil),
		Stores: (*keyfactor.StoresService)(nil), StoreTypes: (*keyfactor.StoreTypesService)(nil), Agents: (*keyfactor.AgentsService)(nil),
		Jobs: (*keyfactor.JobsService)(nil)}

	_ = keyfactor.EnrollCSRRequest{CSR: []byte(nil), EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "", EnrollmentPatternID: 0,
		CertificateAuthority: ""}, SANs: keyfactor.SANs{DNS: []string{}, IP: []string{}, Email: []string{}, URI: []string{}},
		Metadata: map[string]string{}, OwnerRoleID: (*int)(nil), OwnerRoleName: (*string)(nil), IncludeChain: true}
	_ = keyfactor.EnrollPFXRequest{Subject: "", EnrollmentPolicy: keyfactor.EnrollmentPolicy{}, SANs: keyfactor.SANs{},
		Metadata: map[string]string{}, OwnerRoleID: (*int)(nil), OwnerRoleName: (*string)(nil), KeyType: "", KeyLength: 0, Curve: "",
		Password: "", IncludeChain: true, Stores: []keyfactor.StoreDelivery{{StoreID: "", Alias: "", Overwrite: true,
			Properties: map[string]string{}}}, RenewalCertificateID: 0}
	_ = []keyfactor.EnrollmentStatus{keyfactor.EnrollmentIssued, keyfactor.EnrollmentPending, keyfactor.EnrollmentDenied}
	_ = keyfactor.Enrollment{Status: keyfactor.EnrollmentIssued, Message: "", CertificateID: 0, RequestID: 0, WorkflowInstanceID: "",
		SerialNumber: "", IssuerDN: "", Thumbprint: "", Bundle: (*keyfactor.CertificateBundle)(nil), SuccessfulStores: []string{},
		Recovered: true}
	_                                                                                                                = keyfactor.CertificateBundle{Leaf: (*x509.Certificate)(nil), Chain: []*x509.Certificate{}, PrivateKey: crypto.Signer(nil)}
	_ func(*keyfactor.CertificateBundle) ([]byte, []byte, error)                                                     = (*keyfactor.CertificateBundle).PEM
	_ func(*keyfactor.CertificateBundle) (tls.Certificate, error)                                                    = (*keyfactor.CertificateBundle).TLSCertificate
	_ func(*keyfactor.EnrollmentService, context.Context, keyfactor.EnrollCSRRequest) (*keyfactor.Enrollment, error) = (*keyfactor.EnrollmentService).CSR
	_ func(*keyfactor.EnrollmentService, context.Context, keyfactor.EnrollPFXRequest) (*keyfactor.Enrollment, error) = (*keyfactor.EnrollmentService).PFX
	_ func(*keyfactor.EnrollmentService, context.Context, *keyfactor.Enrollment) (*keyfactor.Enrollment, error)      = (*keyfactor.EnrollmentService).Wait
	_ func(*keyfactor.EnrollmentService, context.Context) (*keyfactor.EnrollmentContext, error)                      = (*keyfactor.EnrollmentService).Context
	_                                                                                                                = keyfactor.EnrollmentContext{CSR: []keyfactor.EnrollmentTemplate{{ID: 0, Name: "", DisplayName: "", RequiresApproval: true,
		CAs: []string{}, KeyTypes: []string{}, MetadataFields: []string{}}}, PFX: []keyfactor.EnrollmentTemplate{}, StandaloneCAs: []string{}}

	_                                                                                                                             = keyfactor.DownloadOptions{IncludeChain: true, Scope: keyfactor.OwnerScope{}}
	_                                                                                                                             = keyfactor.RecoverOptions{IncludeChain: true, Scope: keyfactor.OwnerScope{}}
	_ func(*keyfactor.CertificatesService, context.Context, int, keyfactor.DownloadOptions) (*keyfactor.CertificateBundle, error) = (*keyfactor.CertificatesService).Download
	_ func(*keyfactor.CertificatesService, context.Context, int, keyfactor.RecoverOptions) (*keyfactor.CertificateBundle, error)  = (*keyfactor.CertificatesService).Recover

	_ = keyfactor.ListTemplatesOptions{Query: "", PageSize: 0, SortField: "", Descending: true}
	_ = keyfactor.ListCertificateAuthoritiesOptions{Query: "", PageSize: 0, SortField: "", Descending: true}
	_ = keyfactor.Template{ID: 0, CommonName: "", DisplayName: "", Oid: "", KeySize: 0, KeyType: "", RequiresApproval: true,
		AllowedEnrollmentTypes: 0, ForestRoot: "", ConfigurationTenant: ""}
	_ func(*keyfactor.TemplatesService, context.Context, keyfactor.ListTemplatesOptions) iter.Seq2[keyfactor.Template, error]                                       = (*keyfactor.TemplatesService).List
	_ func(*keyfactor.TemplatesService, context.Context, int) (*keyfactor.Template, error)                                                                          = (*keyfactor.TemplatesService).Get
	_ func(*keyfactor.TemplatesService, context.Context, string) (*keyfactor.Template, error)                                                                       = (*keyfactor.TemplatesService).GetByName
	_                                                                                                                                                               = keyfactor.CertificateAuthority{ID: 0, LogicalName: "", HostName: "", ConfigurationTenant: "", Standalone: true, AllowedEnrollmentTypes: 0}
	_ func(keyfactor.CertificateAuthority) string                                                                                                                   = keyfactor.CertificateAuthority.Name
	_ func(*keyfactor.CertificateAuthoritiesService, context.Context, keyfactor.ListCertificateAuthoritiesOptions) iter.Seq2[keyfactor.CertificateAuthority, error] = (*keyfactor.CertificateAuthoritiesService).List
	_ func(*keyfactor.CertificateAuthoritiesService, context.Context, string) (*keyfactor.CertificateAuthority, error)                                              = (*keyfactor.CertificateAuthoritiesService).GetByName
)

// After issue: revoke, renew, metadata, history, validation, locations, delete.
var (
	_ = []keyfactor.RevocationReason{keyfactor.ReasonUnspecified, keyfactor.ReasonKeyCompromise, keyfactor.ReasonCACompromise,
		keyfactor.ReasonAffiliationChanged, keyfactor.ReasonSuperseded, keyfactor.ReasonCessationOfOperation,
		keyfactor.ReasonCertificateHold, keyfactor.ReasonRemoveFromHold}
	_ = keyfactor.RevokeRequest{CertificateIDs: []int{}, Reason: keyfactor.ReasonSuperseded, Comment: "", EffectiveDate: time.Time{},
		CollectionID: 0, PublishCRL: true}
	_ = keyfactor.RevokeResult{Revoked: []int{}, AlreadyRevoked: []int{}, Pending: []keyfactor.PendingRevocation{{CertificateID: 0,
		WorkflowID: "", Message: ""}}}
	_ func(*keyfactor.CertificatesService, context.Context, keyfactor.RevokeRequest) (*keyfactor.RevokeResult, error)                   = (*keyfactor.CertificatesService).Revoke
	_                                                                                                                                   = keyfactor.RenewRequest{CertificateID: 0, Thumbprint: "", EnrollmentPolicy: keyfactor.EnrollmentPolicy{}, Scope: keyfactor.OwnerScope{}}
	_ func(*keyfactor.CertificatesService, context.Context, keyfactor.RenewRequest) (*keyfactor.Enrollment, error)                      = (*keyfactor.CertificatesService).Renew
	_                                                                                                                                   = []keyfactor.RenewalKind{keyfactor.RenewalNone, keyfactor.RenewalSeamless, keyfactor.RenewalOneClick}
	_ func(*keyfactor.CertificatesService, context.Context, int, keyfactor.OwnerScope) (keyfactor.RenewalKind, string, error)           = (*keyfactor.CertificatesService).RenewalAvailable
	_ func(*keyfactor.CertificatesService, context.Context, int, map[string]string, keyfactor.OwnerScope) error                         = (*keyfactor.CertificatesService).SetMetadata
	_ func(*keyfactor.CertificatesService, context.Context, string, map[string]string, bool) error                                      = (*keyfactor.CertificatesService).SetMetadataByQuery
	_                                                                                                                                   = keyfactor.ListHistoryOptions{PageSize: 0, SortField: "", Descending: true, Scope: keyfactor.OwnerScope{}}
	_ func(*keyfactor.CertificatesService, context.Context, int, keyfactor.ListHistoryOptions) iter.Seq2[keyfactor.HistoryEntry, error] = (*keyfactor.CertificatesService).History
	_                                                                                                                                   = keyfactor.HistoryEntry{ID: int64(0), OperationStart: (*time.Time)(nil), OperationEnd: (*time.Time)(nil), Username: "", Comment: "", Action: ""}
	_ func(*keyfactor.CertificatesService, context.Context, int, keyfactor.OwnerScope) (*keyfactor.ChainValidation, error)              = (*keyfactor.CertificatesService).Validate
	_                                                                                                                                   = keyfactor.ChainValidation{Valid: true, Results: map[string]string{}}
	_ func(*keyfactor.CertificatesService, context.Context, int) ([]keyfactor.CertificateLocation, error)                               = (*keyfactor.CertificatesService).Locations
	_ func(*keyfactor.CertificatesService, context.Context, int, keyfactor.OwnerScope) error                                            = (*keyfactor.CertificatesService).Delete

	_ = []keyfactor.MetadataFieldType{keyfactor.MetadataString, keyfactor.MetadataInteger, keyfactor.MetadataDate, keyfactor.MetadataBoolean,
		keyfactor.MetadataMultipleChoice, keyfactor.MetadataBigText, keyfactor.MetadataEmail}
	_ = keyfactor.MetadataField{ID: 0, Name: "", Description: "", DataType: keyfactor.MetadataString, Hint: "", Validation: "", Message: "",
		Enrollment: "", Options: []string{}, DefaultValue: "", DisplayOrder: 0, AllowAPI: true, ExplicitUpdate: true}
	_                                                                                                                                                               = keyfactor.ListMetadataFieldsOptions{Query: "", PageSize: 0, SortField: "", Descending: true}
	_                                                                                                                                                               = keyfactor.MetadataFieldPlan{Action: keyfactor.Action(""), Current: (*keyfactor.MetadataField)(nil), Changes: []keyfactor.Change{}}
	_ func(*keyfactor.MetadataFieldsService, context.Context, keyfactor.ListMetadataFieldsOptions) iter.Seq2[keyfactor.MetadataField, error]                        = (*keyfactor.MetadataFieldsService).List
	_ func(*keyfactor.MetadataFieldsService, context.Context, int) (*keyfactor.MetadataField, error)                                                                = (*keyfactor.MetadataFieldsService).Get
	_ func(*keyfactor.MetadataFieldsService, context.Context, string) (*keyfactor.MetadataField, error)                                                             = (*keyfactor.MetadataFieldsService).GetByName
	_ func(*keyfactor.MetadataFieldsService, context.Context, keyfactor.CreateMetadataFieldRequest) (*keyfactor.MetadataField, error)                               = (*keyfactor.MetadataFieldsService).Create
	_ func(*keyfactor.MetadataFieldsService, context.Context, keyfactor.UpdateMetadataFieldRequest) (*keyfactor.MetadataField, error)                               = (*keyfactor.MetadataFieldsService).Update
	_ func(*keyfactor.MetadataFieldsService, context.Context, int) error                                                                                            = (*keyfactor.MetadataFieldsService).Delete
	_ func(*keyfactor.MetadataFieldsService, context.Context, keyfactor.CreateMetadataFieldRequest) (*keyfactor.MetadataFieldPlan, error)                           = (*keyfactor.MetadataFieldsService).Plan
	_ func(*keyfactor.MetadataFieldsService, context.Context, keyfactor.CreateMetadataFieldRequest) (*keyfactor.MetadataFieldPlan, *keyfactor.MetadataField, error) = (*keyfactor.MetadataFieldsService).Apply
	_                                                                                                                                                               = keyfactor.UpdateMetadataFieldRequest{ID: 0}
)

// Delivery: stores, jobs, store types, agents, rotation.
var (
	_ = keyfactor.CertificateStore{ID: "", ContainerID: (*int)(nil), ClientMachine: "", StorePath: "", StoreType: 0, AgentID: "",
		Approved: true, CreateIfMissing: true, Properties: map[string]string{}, Secrets: map[string]keyfactor.Secret{},
		InventorySchedule: (*keyfactor.Schedule)(nil), DisplayName: "", ContainerName: ""}
	_ func(string) keyfactor.Secret = keyfactor.NewSecret
	_ func(keyfactor.Secret) string = keyfactor.Secret.Value
	_                               = keyfactor.Schedule{Immediate: true, Interval: time.Duration(0), Daily: &keyfactor.TimeOfDay{Hour: 0, Minute: 0},
		Weekly:  &keyfactor.WeeklySchedule{Days: []time.Weekday{}, At: keyfactor.TimeOfDay{}},
		Monthly: &keyfactor.MonthlySchedule{Day: 1, At: keyfactor.TimeOfDay{}}, ExactlyOnce: (*time.Time)(nil), Off: true}
	_                                                                                                                                          = keyfactor.ListStoresOptions{Query: "", PageSize: 0, SortField: "", Descending: true}
	_                                                                                                                                          = keyfactor.StorePlan{Action: keyfactor.Action(""), Current: (*keyfactor.CertificateStore)(nil), Changes: []keyfactor.Change{}}
	_                                                                                                                                          = keyfactor.UpdateStoreRequest{ID: ""}
	_ func(*keyfactor.StoresService, context.Context, keyfactor.ListStoresOptions) iter.Seq2[keyfactor.CertificateStore, error]                = (*keyfactor.StoresService).List
	_ func(*keyfactor.StoresService, context.Context, string) (*keyfactor.CertificateStore, error)                                             = (*keyfactor.StoresService).Get
	_ func(*keyfactor.StoresService, context.Context, string, string, int) (*keyfactor.CertificateStore, error)                                = (*keyfactor.StoresService).GetByPath
	_ func(*keyfactor.StoresService, context.Context, keyfactor.CreateStoreRequest) (*keyfactor.CertificateStore, error)                       = (*keyfactor.StoresService).Create
	_ func(*keyfactor.StoresService, context.Context, keyfactor.UpdateStoreRequest) (*keyfactor.CertificateStore, error)                       = (*keyfactor.StoresService).Update
	_ func(*keyfactor.StoresService, context.Context, string) error                                                                            = (*keyfactor.StoresService).Delete
	_ func(*keyfactor.StoresService, context.Context, keyfactor.CreateStoreRequest) (*keyfactor.StorePlan, error)                              = (*keyfactor.StoresService).Plan
	_ func(*keyfactor.StoresService, context.Context, keyfactor.CreateStoreRequest) (*keyfactor.StorePlan, *keyfactor.CertificateStore, error) = (*keyfactor.StoresService).Apply
	_ func(*keyfactor.StoresService, context.Context, string) iter.Seq2[keyfactor.InventoryItem, error]                                        = (*keyfactor.StoresService).Inventory
	_ func(*keyfactor.StoresService, context.Context, []string, keyfactor.Schedule) error                                                      = (*keyfactor.StoresService).ScheduleInventory
	_                                                                                                                                          = keyfactor.InventoryItem{Alias: "", Certificates: []keyfactor.InventoryCertificate{{ID: 0, Thumbprint: "", SerialNumber: "",
		IssuedDN: "", IssuerDN: "", NotBefore: time.Time{}, NotAfter: time.Time{}}}, Parameters: map[string]string{}}

	_ = keyfactor.StoreTarget{StoreID: "", Alias: "", Overwrite: true, JobFields: map[string]string{}, EntryPassword: (*keyfactor.Secret)(nil),
		PFXPassword: (*keyfactor.Secret)(nil), IncludePrivateKey: true}
	_                                                                                                              = keyfactor.AddCertificateRequest{CertificateID: 0, Stores: []keyfactor.StoreTarget{}, When: keyfactor.Schedule{}, CollectionID: 0}
	_                                                                                                              = keyfactor.RemoveCertificateRequest{Stores: []keyfactor.StoreTarget{}, When: keyfactor.Schedule{}, CollectionID: 0}
	_ func(*keyfactor.StoresService, context.Context, keyfactor.AddCertificateRequest) ([]keyfactor.Job, error)    = (*keyfactor.StoresService).AddCertificate
	_ func(*keyfactor.StoresService, context.Context, keyfactor.RemoveCertificateRequest) ([]keyfactor.Job, error) = (*keyfactor.StoresService).RemoveCertificate

	_ = keyfactor.Job{ID: "", StoreID: ""}
	_ = []keyfactor.JobStatus{keyfactor.JobSucceeded, keyfactor.JobFailed, keyfactor.JobWarning}
	_ = keyfactor.JobResult{Job: keyfactor.Job{}, Status: keyfactor.JobSucceeded, Message: "", Started: time.Time{}, Finished: time.Time{},
		AgentMachine: ""}
	_ = keyfactor.JobRecord{HistoryID: int64(0), JobID: "", JobType: "", AgentMachine: "", StorePath: "", ClientMachine: "", Message: "",
		Result: 0, Status: 0, OperationStart: time.Time{}, OperationEnd: (*time.Time)(nil)}
	_                                                                                                                            = keyfactor.ScheduledJob{ID: "", ClientMachine: "", Target: "", JobType: "", Requested: time.Time{}}
	_                                                                                                                            = keyfactor.ListJobHistoryOptions{Query: "", PageSize: 0, SortField: "", Descending: true}
	_                                                                                                                            = keyfactor.ListScheduledJobsOptions{Query: "", PageSize: 0, SortField: "", Descending: true}
	_ func(*keyfactor.JobsService, context.Context, []keyfactor.Job) ([]keyfactor.JobResult, error)                              = (*keyfactor.JobsService).Wait
	_ func(*keyfactor.JobsService, context.Context, keyfactor.ListJobHistoryOptions) iter.Seq2[keyfactor.JobRecord, error]       = (*keyfactor.JobsService).History
	_ func(*keyfactor.JobsService, context.Context, keyfactor.ListScheduledJobsOptions) iter.Seq2[keyfactor.ScheduledJob, error] = (*keyfactor.JobsService).Scheduled
	_ func(*keyfactor.JobsService, context.Context, []int64) error                                                               = (*keyfactor.JobsService).Acknowledge

	_ = keyfactor.StoreType{ID: 0, Name: "", ShortName: "", Capability: "", LocalStore: true, ServerRequired: true, PowerShell: true,
		SupportedOperations: keyfactor.StoreTypeOperations{Add: true, Create: true, Discovery: true, Enrollment: true, Remove: true},
		Properties:          []keyfactor.StoreTypeProperty{{Name: "", DisplayName: "", Type: "", DependsOn: "", DefaultValue: "", Required: true}},
		EntryParameters:     []keyfactor.StoreTypeProperty{}, PrivateKeyAllowed: 0, StorePathType: "", StorePathValue: "",
		PasswordOptions: keyfactor.StoreTypePasswordOptions{EntrySupported: true, StoreRequired: true, Style: ""}}
	_                                                                                                                            = keyfactor.ListStoreTypesOptions{PageSize: 0, SortField: "", Descending: true}
	_                                                                                                                            = keyfactor.UpdateStoreTypeRequest{ID: 0}
	_ func(*keyfactor.StoreTypesService, context.Context, keyfactor.ListStoreTypesOptions) iter.Seq2[keyfactor.StoreType, error] = (*keyfactor.StoreTypesService).List
	_ func(*keyfactor.StoreTypesService, context.Context, int) (*keyfactor.StoreType, error)                                     = (*keyfactor.StoreTypesService).Get
	_ func(*keyfactor.StoreTypesService, context.Context, string) (*keyfactor.StoreType, error)                                  = (*keyfactor.StoreTypesService).GetByName
	_ func(*keyfactor.StoreTypesService, context.Context, keyfactor.CreateStoreTypeRequest) (*keyfactor.StoreType, error)        = (*keyfactor.StoreTypesService).Create
	_ func(*keyfactor.StoreTypesService, context.Context, keyfactor.UpdateStoreTypeRequest) (*keyfactor.StoreType, error)        = (*keyfactor.StoreTypesService).Update
	_ func(*keyfactor.StoreTypesService, context.Context, int) error                                                             = (*keyfactor.StoreTypesService).Delete

	_ = keyfactor.Agent{ID: "", ClientMachine: "", Username: "", Version: "", Platform: 0, Status: 0, LastSeen: (*time.Time)(nil),
		Capabilities: []string{}, LastErrorCode: int64(0), LastErrorMessage: ""}
	_                                                                                                                = keyfactor.ListAgentsOptions{Query: "", PageSize: 0, SortField: "", Descending: true}
	_ func(*keyfactor.AgentsService, context.Context, keyfactor.ListAgentsOptions) iter.Seq2[keyfactor.Agent, error] = (*keyfactor.AgentsService).List
	_ func(*keyfactor.AgentsService, context.Context, string) (*keyfactor.Agent, error)                              = (*keyfactor.AgentsService).Get
	_ func(*keyfactor.AgentsService, context.Context, ...string) error                                               = (*keyfactor.AgentsService).Approve
	_ func(*keyfactor.AgentsService, context.Context, ...string) error                                               = (*keyfactor.AgentsService).Disapprove
	_ func(*keyfactor.AgentsService, context.Context, string) error                                                  = (*keyfactor.AgentsService).Reset
	_ func(*keyfactor.AgentsService, context.Context, string) error                                                  = (*keyfactor.AgentsService).FetchLogs

	_                                                                                                                  = keyfactor.RotateOptions{Reenroll: true, Password: ""}
	_                                                                                                                  = keyfactor.Rotation{New: (*keyfactor.Enrollment)(nil), Stores: []keyfactor.JobResult{}}
	_ func(*keyfactor.CertificatesService, context.Context, int, keyfactor.RotateOptions) (*keyfactor.Rotation, error) = (*keyfactor.CertificatesService).Rotate
)
