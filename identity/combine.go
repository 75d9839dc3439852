package identity

import "net/http"

// FirstOf returns an Extractor that asks each extractor in turn and returns
// the first user found, so a session can back up a token or the reverse.
// When none finds a user it returns the first error seen, so a rejected
// token is still reported; an error does not stop the later extractors.
// Nil extractors are skipped.
func FirstOf(extractors ...Extractor) Extractor {
	list := make(firstOf, 0, len(extractors))
	for _, e := range extractors {
		if e != nil {
			list = append(list, e)
		}
	}
	return list
}

type firstOf []Extractor

func (list firstOf) Extract(r *http.Request) (Identity, bool, error) {
	var first error
	for _, e := range list {
		id, ok, err := e.Extract(r)
		if ok && err == nil {
			return id, true, nil
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return Identity{}, false, first
}
