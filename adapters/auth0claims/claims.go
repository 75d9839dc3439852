package auth0claims

import (
	"reflect"
	"strings"
	"sync"

	"github.com/auth0/go-jwt-middleware/v2/validator"

	"github.com/autoidentify/autoidentify/identity"
)

// validatedClaims reads the validator's claims by JWT name. A pointer, so
// handing it to the mapper as a ClaimSource allocates nothing.
type validatedClaims validator.ValidatedClaims

func (c *validatedClaims) LookupClaim(name string) (any, bool) {
	rc := &c.RegisteredClaims
	switch name {
	case "sub":
		return rc.Subject, rc.Subject != ""
	case "iss":
		return rc.Issuer, rc.Issuer != ""
	case "jti":
		return rc.ID, rc.ID != ""
	case "aud":
		return rc.Audience, len(rc.Audience) > 0
	case "exp":
		return rc.Expiry, rc.Expiry != 0
	case "nbf":
		return rc.NotBefore, rc.NotBefore != 0
	case "iat":
		return rc.IssuedAt, rc.IssuedAt != 0
	}
	return lookupCustom(c.CustomClaims, name)
}

// LookupString reads the string claims without boxing them, so mapping a
// profile from the validator's structs allocates nothing; it answers for
// absent claims too, and leaves the others to LookupClaim.
func (c *validatedClaims) LookupString(name string) (string, bool) {
	rc := &c.RegisteredClaims
	switch name {
	case "sub":
		return rc.Subject, true
	case "iss":
		return rc.Issuer, true
	case "jti":
		return rc.ID, true
	case "aud", "exp", "nbf", "iat":
		return "", false
	}
	return lookupCustomString(c.CustomClaims, name)
}

var _ identity.StringClaimSource = (*validatedClaims)(nil)

// lookupCustomString is lookupCustom for a string, or an absent claim ("");
// ok is false for anything else, which lookupCustom then reads.
func lookupCustomString(custom validator.CustomClaims, name string) (string, bool) {
	if custom == nil {
		return "", true
	}
	if src, ok := custom.(identity.StringClaimSource); ok {
		return src.LookupString(name)
	}
	if _, ok := custom.(identity.ClaimSource); ok {
		return "", false // its LookupClaim decides
	}
	v := reflect.ValueOf(custom)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "", true
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return "", false
	}
	index, ok := fieldsOf(v.Type())[name]
	if !ok {
		return "", true
	}
	f, err := v.FieldByIndexErr(index)
	switch {
	case err != nil || !f.CanInterface(): // a nil embedded pointer: no such claim
		return "", true
	case f.Kind() != reflect.String:
		return "", false
	}
	return f.String(), true // "" for a zero field, absent as in lookupCustom
}

// lookupCustom reads a claim from the app's custom claims type.
func lookupCustom(custom validator.CustomClaims, name string) (any, bool) {
	if custom == nil {
		return nil, false
	}
	if src, ok := custom.(identity.ClaimSource); ok {
		return src.LookupClaim(name)
	}
	v := reflect.ValueOf(custom)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, false
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		index, ok := fieldsOf(v.Type())[name]
		if !ok {
			return nil, false
		}
		f, err := v.FieldByIndexErr(index) // errs on a nil embedded pointer
		if err != nil || f.IsZero() || !f.CanInterface() {
			return nil, false
		}
		return f.Interface(), true
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, false
		}
		x := v.MapIndex(reflect.ValueOf(name).Convert(v.Type().Key()))
		if !x.IsValid() || !x.CanInterface() {
			return nil, false
		}
		return x.Interface(), true
	}
	return nil, false
}

// structFields caches, per struct type, the index of each exported field by
// claim name, as encoding/json would name it.
var structFields sync.Map // reflect.Type -> map[string][]int

func fieldsOf(t reflect.Type) map[string][]int {
	if m, ok := structFields.Load(t); ok {
		return m.(map[string][]int)
	}
	m := make(map[string][]int)
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && f.Tag.Get("json") == "" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		if _, dup := m[name]; !dup || len(f.Index) < len(m[name]) {
			m[name] = f.Index // the shallowest field wins, as in encoding/json
		}
	}
	actual, _ := structFields.LoadOrStore(t, m)
	return actual.(map[string][]int)
}
