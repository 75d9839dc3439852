// Package redistest runs a real, throwaway redis-server for tests: started
// from PATH on a free loopback port, with persistence off, and stopped when
// the test ends. Tests can kill and restart it to exercise outages,
// StartCluster runs a three-node Redis Cluster, and a Proxy cuts one
// client's connections while the others keep theirs.
//
// Without redis-server on PATH, [Start] skips the test with a message saying
// how to install it, unless the environment variable CI is set, where a
// missing server fails the test: CI must run these tests, never skip them.
//
// # Use
//
//	srv := redistest.Start(t)
//	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
//	srv.Kill()    // Redis is down: what does the code under test do?
//	srv.Restart() // and when it is back?
//
// It imports only the standard library, so any package's tests can use it.
package redistest
