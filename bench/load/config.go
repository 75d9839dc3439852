package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/autoidentify/autoidentify/middleware"
)

// config holds every bound of a run; the defaults finish in a few minutes
// on 2 cores.
type config struct {
	Scenarios string

	Clients  int // concurrent clients of the throughput and burst scenarios
	Requests int // requests per server and round of the throughput scenario
	Rounds   int
	Users    int // signed-in users of the throughput scenario

	NaiveUsers    int
	NaiveRequests int // per user
	NaiveClients  int
	NaiveRate     float64       // requests a second offered to both; 0: as fast as the clients go
	APILatency    time.Duration // how long the fake API takes to answer

	Burst     int // distinct new users
	QueueSize int
	Workers   int

	Timeout time.Duration // bounds each scenario
}

func defaultConfig() config {
	return config{
		Scenarios:     "throughput,naive,burst",
		Clients:       32,
		Requests:      100_000,
		Rounds:        3,
		Users:         1_000,
		NaiveUsers:    1_000,
		NaiveRequests: 100,
		NaiveClients:  200,
		NaiveRate:     3_000,
		APILatency:    50 * time.Millisecond,
		Burst:         100_000,
		QueueSize:     middleware.DefaultQueueSize,
		Workers:       middleware.DefaultWorkers,
		Timeout:       3 * time.Minute,
	}
}

// check refuses bounds that cannot make a run.
func (c *config) check() error {
	for name, v := range map[string]int{
		"clients": c.Clients, "requests": c.Requests, "rounds": c.Rounds, "users": c.Users,
		"naive-users": c.NaiveUsers, "naive-requests": c.NaiveRequests, "naive-clients": c.NaiveClients,
		"burst": c.Burst, "queue": c.QueueSize, "workers": c.Workers,
	} {
		if v <= 0 {
			return fmt.Errorf("-%s must be positive, not %d", name, v)
		}
	}
	if c.NaiveRate < 0 || c.APILatency < 0 || c.Timeout <= 0 {
		return errors.New("-naive-rate and -api-latency must not be negative, -timeout must be positive")
	}
	return nil
}

func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Scenarios, "scenarios", c.Scenarios, "scenarios to run, comma-separated: throughput, naive, burst")
	fs.IntVar(&c.Clients, "clients", c.Clients, "concurrent clients (throughput, burst)")
	fs.IntVar(&c.Requests, "requests", c.Requests, "requests per server and round (throughput)")
	fs.IntVar(&c.Rounds, "rounds", c.Rounds, "rounds, alternating the servers (throughput)")
	fs.IntVar(&c.Users, "users", c.Users, "signed-in users, all synced first (throughput)")
	fs.IntVar(&c.NaiveUsers, "naive-users", c.NaiveUsers, "users (naive)")
	fs.IntVar(&c.NaiveRequests, "naive-requests", c.NaiveRequests, "requests per user (naive)")
	fs.IntVar(&c.NaiveClients, "naive-clients", c.NaiveClients, "concurrent clients (naive)")
	fs.Float64Var(&c.NaiveRate, "naive-rate", c.NaiveRate, "requests a second offered to both servers, 0 for as fast as the clients go (naive)")
	fs.DurationVar(&c.APILatency, "api-latency", c.APILatency, "how long the fake API takes to answer (naive, burst)")
	fs.IntVar(&c.Burst, "burst", c.Burst, "distinct new users, one request each (burst)")
	fs.IntVar(&c.QueueSize, "queue", c.QueueSize, "the middleware's queue size")
	fs.IntVar(&c.Workers, "workers", c.Workers, "the middleware's workers")
	fs.DurationVar(&c.Timeout, "timeout", c.Timeout, "bound on each scenario")
}
