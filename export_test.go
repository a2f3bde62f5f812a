package keyfactor

// FastRetry is the tests' retry policy, for the external test package
// (e2e_test.go, example_test.go): one set of test waits for the module.
var FastRetry = fastRetry
