package ginsessions

import (
	"context"

	"github.com/gin-gonic/gin"
)

// ExposeContext is Gin middleware that puts the *gin.Context in the
// request's context under gin.ContextKey, where Extract finds it. Mount it
// before autoidentify's Gin middleware when that does not do so itself; it
// costs two small allocations per request (a context value and a copy of
// the request). Nothing keeps the request's context beyond the request.
func ExposeContext(c *gin.Context) {
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), gin.ContextKey, c))
}
