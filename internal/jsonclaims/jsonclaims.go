// Package jsonclaims reads claims of any type (an auth library's, or an
// app's own struct) as the map identity.ClaimsMapper maps: the object their
// JSON is. The claims adapters share it.
package jsonclaims

import (
	"encoding/json"
	"fmt"
)

// Of returns the object v encodes to in JSON: a map[string]any as it is,
// anything else through encoding/json. It fails if v does not encode, or
// not to an object.
func Of(v any) (map[string]any, error) {
	if m, ok := v.(map[string]any); ok {
		return m, nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%T is no object of claims: %w", v, err)
	}
	return m, nil
}
