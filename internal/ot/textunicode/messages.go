//lint:file-ignore ST1005 These are the reference's exact messages, which ShareDB forwards to clients.

package textunicode

import "errors"

// The reference's error messages, word for word.
var (
	// checkOp.
	errNotArray     = errors.New("Op must be an array of components")
	errDeleteType   = errors.New("Delete must be number or string")
	errDeleteEmpty  = errors.New("Deletes must not be empty")
	errInsertEmpty  = errors.New("Inserts cannot be empty")
	errSkipPositive = errors.New("Skip components must be >0")
	errAdjacentSkip = errors.New("Adjacent skip components should be combined")
	errTrailingSkip = errors.New("Op has a trailing skip")
	// create and apply.
	errInitialData = errors.New("Initial data must be a string")
	errTooLong     = errors.New("The op is too long for this document")
	// invert.
	errNoText = errors.New("Cannot invert text op: Deleted characters missing from operation. makeInvertible must be called first.")
	// What the reference's engine throws on reading .d of a null component.
	errNullRead = &jsTypeError{"Cannot read properties of null (reading 'd')"}
)
