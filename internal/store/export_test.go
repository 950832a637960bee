package store

// Hooks and lists for the external tests.

// AfterRead sets a function rekey calls between a batch's read and its
// write, where a test changes a row as the live system would.
func (o RekeyOptions) AfterRead(f func()) RekeyOptions {
	o.afterRead = f
	return o
}

// NotSealed is the list of binary columns that are not sealed.
var NotSealed = notSealed
