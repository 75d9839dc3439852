package engagespottest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"
)

// The paths and answers follow ../shared/engagespot/README.md:
//
//	PUT    /v3/users/{identifier}  flat profile object or empty body -> 200
//	POST   /v3/users               {"identifier", "profile"}         -> 200
//	DELETE /v3/users/{identifier}                                    -> 202, 404 when missing
//
// Missing or wrong credentials -> 401; a profile key "identifier" -> 422.
const usersPath = BasePath + "/users"

// ServeHTTP answers one request like the Engagespot API would, unless a
// fault, latency or Hang says otherwise.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	rec := Request{
		Method: r.Method,
		Path:   r.URL.EscapedPath(),
		Header: r.Header.Clone(),
		Body:   body,
	}
	rec.Identifier, rec.HasIdentifier = identifierOf(&rec)

	s.mu.Lock()
	idx, gen := len(s.requests), s.gen
	s.requests = append(s.requests, rec.clone())
	latency := s.latency
	s.notifyLocked()
	s.mu.Unlock()

	if !s.delay(r, latency) || !s.holdIfHanging(r) {
		return
	}

	// Decide under the lock, write after it: a slow reader must not stall the fake.
	out := httptest.NewRecorder()
	s.mu.Lock()
	status := s.answerLocked(out, r, &rec)
	if gen == s.gen { // else ClearRequests dropped the record
		s.requests[idx].Status = status
	}
	s.notifyLocked()
	s.mu.Unlock()

	maps.Copy(w.Header(), out.Header())
	w.WriteHeader(status)
	_, _ = w.Write(out.Body.Bytes())
}

// identifierOf returns the user a request is about: the {identifier} path
// segment, or the "identifier" of a POST /v3/users body.
func identifierOf(rec *Request) (string, bool) {
	if seg, ok := strings.CutPrefix(rec.Path, usersPath+"/"); ok && seg != "" && !strings.Contains(seg, "/") {
		id, err := url.PathUnescape(seg)
		return id, err == nil
	}
	if rec.Path == usersPath && rec.Method == http.MethodPost {
		var in struct {
			Identifier *string `json:"identifier"`
		}
		if json.Unmarshal(rec.Body, &in) == nil && in.Identifier != nil {
			return *in.Identifier, true
		}
	}
	return "", false
}

// delay waits out the latency; false if the request should be dropped.
func (s *Server) delay(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closing:
		return true // answer now rather than hold up Close
	}
}

// holdIfHanging holds the request while Hang is on; false if it should be dropped.
func (s *Server) holdIfHanging(r *http.Request) bool {
	s.mu.Lock()
	hold := s.hold
	if hold == nil {
		s.mu.Unlock()
		return true
	}
	s.held++
	s.notifyLocked()
	s.mu.Unlock()

	defer func() {
		s.mu.Lock()
		s.held--
		s.notifyLocked()
		s.mu.Unlock()
	}()
	select {
	case <-hold:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closing:
		return true // answered 503 by answerLocked
	}
}

// answerLocked writes the answer and returns its status. s.mu must be held.
func (s *Server) answerLocked(w http.ResponseWriter, r *http.Request, rec *Request) int {
	select {
	case <-s.closing:
		return writeError(w, http.StatusServiceUnavailable, "server closing")
	default:
	}
	if f, ok := s.takeFaultLocked(rec); ok {
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		if f.Body != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.Status)
			_, _ = io.WriteString(w, f.Body)
			return f.Status
		}
		return writeError(w, f.Status, "injected fault")
	}

	if !strings.HasPrefix(rec.Path, BasePath+"/") {
		return writeError(w, http.StatusNotFound, "Cannot "+r.Method+" "+rec.Path)
	}
	if r.Header.Get("X-ENGAGESPOT-API-KEY") != s.APIKey || r.Header.Get("X-ENGAGESPOT-API-SECRET") != s.APISecret {
		return writeError(w, http.StatusUnauthorized, "Invalid API key or secret")
	}

	switch {
	case rec.Path == usersPath:
		if r.Method != http.MethodPost {
			return writeError(w, http.StatusMethodNotAllowed, "Cannot "+r.Method+" "+rec.Path)
		}
		return s.createLocked(w, r, rec)
	case rec.HasIdentifier:
		switch r.Method {
		case http.MethodPut:
			return s.putLocked(w, r, rec)
		case http.MethodDelete:
			return s.deleteLocked(w, rec)
		}
		return writeError(w, http.StatusMethodNotAllowed, "Cannot "+r.Method+" "+rec.Path)
	}
	return writeError(w, http.StatusNotFound, "Cannot "+r.Method+" "+rec.Path)
}

// putLocked is PUT /v3/users/{identifier}: create or update.
func (s *Server) putLocked(w http.ResponseWriter, r *http.Request, rec *Request) int {
	attrs := map[string]any{}
	if len(bytes.TrimSpace(rec.Body)) > 0 {
		if status, msg := decodeJSON(r, rec.Body, &attrs); status != 0 {
			return writeError(w, status, msg)
		}
		if attrs == nil { // the body was null
			return writeError(w, http.StatusBadRequest, "body must be a JSON object")
		}
	}
	if _, ok := attrs["identifier"]; ok {
		return writeError(w, http.StatusUnprocessableEntity, `profile attribute "identifier" is not allowed`)
	}
	s.upsertLocked(rec.Identifier, attrs)
	return writeUser(w, http.StatusOK, s.users[rec.Identifier])
}

// createLocked is POST /v3/users with {"identifier": ..., "profile": {...}}.
func (s *Server) createLocked(w http.ResponseWriter, r *http.Request, rec *Request) int {
	var in struct {
		Identifier *string         `json:"identifier"`
		Profile    *map[string]any `json:"profile"`
	}
	if status, msg := decodeJSON(r, rec.Body, &in); status != 0 {
		return writeError(w, status, msg)
	}
	if in.Identifier == nil || *in.Identifier == "" {
		return writeError(w, http.StatusUnprocessableEntity, "identifier is required")
	}
	attrs := map[string]any{}
	if in.Profile != nil && *in.Profile != nil {
		attrs = *in.Profile
	}
	if _, ok := attrs["identifier"]; ok {
		return writeError(w, http.StatusUnprocessableEntity, `profile attribute "identifier" is not allowed`)
	}
	s.upsertLocked(*in.Identifier, attrs)
	return writeUser(w, http.StatusOK, s.users[*in.Identifier])
}

// deleteLocked is DELETE /v3/users/{identifier}.
func (s *Server) deleteLocked(w http.ResponseWriter, rec *Request) int {
	if _, ok := s.users[rec.Identifier]; !ok {
		return writeError(w, http.StatusNotFound, "User not found")
	}
	delete(s.users, rec.Identifier)
	w.WriteHeader(http.StatusAccepted)
	return http.StatusAccepted
}

// decodeJSON checks the content type and decodes a JSON object; it returns
// a non-zero status and a message when the body is refused.
func decodeJSON(r *http.Request, body []byte, v any) (int, string) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return http.StatusUnsupportedMediaType, "Content-Type must be application/json"
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return http.StatusBadRequest, "body is not a JSON object: " + err.Error()
	}
	if dec.More() {
		return http.StatusBadRequest, "body has data after the JSON object"
	}
	return 0, ""
}

func writeUser(w http.ResponseWriter, status int, u *User) int {
	out := make(map[string]any, len(u.Attributes)+1)
	for k, v := range u.Attributes {
		out[k] = v
	}
	out["identifier"] = u.Identifier
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
	return status
}

// writeError answers with a JSON error shaped like the API's (NestJS style).
func writeError(w http.ResponseWriter, status int, msg string) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"statusCode": status,
		"error":      http.StatusText(status),
		"message":    msg,
	})
	return status
}
