package middleware

import "context"

type errorKey struct{}

// ErrorFromContext returns why the route's extractor rejected the request's
// credential (a bad or expired token), if it did. Such a request goes on
// without a user, or gets a 401 on a route WithRequired.
func ErrorFromContext(ctx context.Context) error {
	err, _ := ctx.Value(errorKey{}).(error)
	return err
}

func contextWithError(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, errorKey{}, err)
}
