package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/autoidentify/autoidentify/identity"
)

// An export names its users as Engagespot does (identifier, phoneNumber,
// firstName) or as a token's OpenID Connect claims do (sub, phone_number,
// given_name); both are read, as the same attributes. engagespotNames maps
// the first to the second, which the claims mapper reads.
var engagespotNames = map[string]string{
	"identifier":  "sub",
	"phoneNumber": "phone_number",
	"firstName":   "given_name",
	"lastName":    "family_name",
	"avatar":      "picture",
}

// normalizeNames renames Engagespot's attribute names in claims to the
// claims mapper's, in place; a line that gives both names of an attribute,
// with different values, is refused.
func normalizeNames(claims map[string]any) error {
	for es, oidc := range engagespotNames {
		v, ok := claims[es]
		if !ok {
			continue
		}
		if w, both := claims[oidc]; both && fmt.Sprint(w) != fmt.Sprint(v) {
			return fmt.Errorf("both %q and %q, with different values: keep one", es, oidc)
		}
		claims[oidc] = v
		delete(claims, es)
	}
	return nil
}

// lineError says why a line's user cannot be sent, in the command's words.
func lineError(err error, mapped bool) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, identity.ErrNoIdentifier) && mapped:
		return errors.New("no identifier (the column or key --map identifier= names is missing or empty)")
	case errors.Is(err, identity.ErrNoIdentifier):
		return errors.New(`no identifier (a column or key "identifier" or "sub", or --map identifier=COLUMN)`)
	case errors.As(err, &syntax):
		return fmt.Errorf("not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typeErr):
		return fmt.Errorf("not a JSON object (a JSON %s)", typeErr.Value)
	}
	return errors.New(strings.ReplaceAll(err.Error(), "identity: ", "")) // the library's prefix says nothing here
}
