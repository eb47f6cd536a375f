package textunicode

// CheckOp is the reference's checkOp: it returns the reference's error for
// the first problem it finds in op, or nil. Like the reference it does not
// check integrality, adjacent inserts or deletes, extra keys or booleans;
// Validate does.
func CheckOp(op any) error {
	o, err := parse(op)
	if err != nil {
		return err
	}
	return check(o)
}

func check(op Op) error {
	var last kind
	for _, c := range op {
		switch c.k {
		case kNull:
			return errNullRead
		case kBadObj:
			return errDeleteType
		case kDelN:
			if c.n <= 0 {
				return errDeleteEmpty
			}
		case kDelS:
			if c.s == "" {
				return errDeleteEmpty
			}
		case kInsert:
			if c.s == "" {
				return errInsertEmpty
			}
		case kSkip:
			if !(c.n > 0) {
				return errSkipPositive
			}
			if last == kSkip {
				return errAdjacentSkip
			}
		}
		last = c.k
	}
	if last == kSkip {
		return errTrailingSkip
	}
	return nil
}

// dlen is the reference's dlen: a delete's length in code points.
func dlen(c Component) float64 {
	if c.k == kDelS {
		return float64(cpCount(c.s))
	}
	return c.n
}

// componentLength is the reference's componentLength for skips, inserts
// and deletes.
func componentLength(c Component) float64 {
	switch c.k {
	case kSkip, kDelN:
		return c.n
	case kInsert, kDelS:
		return float64(cpCount(c.s))
	}
	return 0
}
