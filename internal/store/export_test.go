package store

import "context"

// Hooks and lists for the external tests.

// AfterRead sets a function rekey calls between a batch's read and its
// write, where a test changes a row as the live system would.
func (o RekeyOptions) AfterRead(f func()) RekeyOptions {
	o.afterRead = f
	return o
}

// NotSealed is the list of binary columns that are not sealed.
var NotSealed = notSealed

// MigrateTo applies the migrations up to version only, with no backfill:
// the state of a deployment before a migration, for its test.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}
