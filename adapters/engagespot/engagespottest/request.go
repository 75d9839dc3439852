package engagespottest

import (
	"bytes"
	"net/http"
)

// Request is one request as the fake received it.
type Request struct {
	Method string
	// Path is the escaped path as it went on the wire (r.URL.EscapedPath()),
	// e.g. /v3/users/a%2Fb.
	Path string
	// Identifier is the user the request is about: the path segment after
	// /v3/users/, unescaped, or the "identifier" of a POST /v3/users body.
	// HasIdentifier is false when the request names no user (a path that is
	// not one segment, a body without one).
	Identifier    string
	HasIdentifier bool
	Header        http.Header
	// Body is the request body (at most 1 MiB of it).
	Body []byte
	// Status is what the fake answered; 0 while the request is unanswered
	// (held, waiting out latency) or if the client gave up first.
	Status int
}

func (r Request) clone() Request {
	r.Header = r.Header.Clone()
	r.Body = bytes.Clone(r.Body)
	return r
}
