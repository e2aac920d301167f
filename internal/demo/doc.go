// Package demo holds VAMS's fictional demo data: a static Directory of
// veterans, facilities, care teams and associations (the one source for the
// store seed and the provider simulators), and Seed, which loads that
// directory plus realistic, non-PHI mailboxes into a store idempotently.
// Every name, identifier and message in it is invented.
package demo
