// Package doccheck holds tests that keep the documentation honest: every
// runnable example in README.md and docs/API.md is run against a fresh
// in-process server, and every API route must have a working example.
//
// The package has no code of its own; it exists for its tests.
package doccheck
