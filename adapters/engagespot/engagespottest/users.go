package engagespottest

import (
	"encoding/json"
	"maps"

	"github.com/autoidentify/autoidentify/identity"
)

// User is a user the fake holds.
type User struct {
	Identifier string
	// Attributes is the profile as JSON decoded it: strings, float64, bool,
	// nil, []any and map[string]any. Each update merges its attributes into
	// the ones held.
	Attributes map[string]any
	// Writes counts the creates and updates that reached this user.
	Writes int
}

// Profile returns the attributes as an identity.Profile: the known string
// attributes in their fields, every other attribute in Custom.
func (u User) Profile() identity.Profile {
	var p identity.Profile
	for k, v := range u.Attributes {
		if field := knownField(&p, k); field != nil {
			if s, ok := v.(string); ok {
				*field = s
				continue
			}
		}
		if p.Custom == nil {
			p.Custom = make(map[string]any)
		}
		p.Custom[k] = v
	}
	return p
}

// knownField returns the Profile field the attribute key names, or nil.
func knownField(p *identity.Profile, key string) *string {
	switch key {
	case "email":
		return &p.Email
	case "phoneNumber":
		return &p.PhoneNumber
	case "firstName":
		return &p.FirstName
	case "lastName":
		return &p.LastName
	case "name":
		return &p.Name
	case "avatar":
		return &p.Avatar
	}
	return nil
}

// Email returns the "email" attribute, or "".
func (u User) Email() string { s, _ := u.Attributes["email"].(string); return s }

func (u User) clone() User {
	u.Attributes = identity.CloneValue(u.Attributes).(map[string]any) // callers cannot reach the fake's own maps
	return u
}

// User returns the user held under identifier.
func (s *Server) User(identifier string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[identifier]
	if !ok {
		return User{}, false
	}
	return u.clone(), true
}

// Users returns every user held, sorted by identifier.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedUsersLocked()
}

// Identifiers returns the identifiers of the users held, sorted.
func (s *Server) Identifiers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.users))
	for _, u := range s.sortedUsersLocked() {
		out = append(out, u.Identifier)
	}
	return out
}

// AddUser stores a user as if it had been created through the API, without
// counting a call: use it to set up a test (before a DELETE, say).
func (s *Server) AddUser(identifier string, profile identity.Profile) {
	attrs := map[string]any{}
	if b, err := profile.MarshalJSON(); err == nil {
		_ = json.Unmarshal(b, &attrs)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.upsertLocked(identifier, attrs)
}

// upsertLocked merges attrs into the user, creating it. s.mu must be held.
func (s *Server) upsertLocked(identifier string, attrs map[string]any) {
	u, ok := s.users[identifier]
	if !ok {
		u = &User{Identifier: identifier, Attributes: make(map[string]any, len(attrs))}
		s.users[identifier] = u
	}
	maps.Copy(u.Attributes, identity.CloneValue(attrs).(map[string]any))
	u.Writes++
	s.notifyLocked()
}
