package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sigforge/sigforge/backends/kibana/kibanatest"
)

// fakes holds each script's fake Kibana.
var fakes sync.Map // *testscript.TestScript -> *kibanatest.Server

// kibanaFake drives an in-process fake Kibana from a script:
//
//	kibana-fake start KEY          start it; sets SIGFORGE_KIBANA_URL and SIGFORGE_KIBANA_API_KEY=KEY
//	kibana-fake fault METHOD PATH STATUS [TIMES [RETRY_AFTER]]
//	kibana-fake drop METHOD PATH   drop the connection of the next matching request
//	kibana-fake seed FILE          store a rule as if made by hand in Kibana
//	kibana-fake count N            require N rules in the default space
//	kibana-fake field RULE_ID KEY VALUE   require a rule's field (JSON text)
//	kibana-fake valid              require every request so far to match the API description
func kibanaFake(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: kibana-fake start|fault|drop|seed|count|field|valid ...")
	}
	if args[0] == "start" {
		if len(args) != 2 {
			ts.Fatalf("usage: kibana-fake start KEY")
		}
		s, err := kibanatest.Start("ApiKey " + args[1])
		ts.Check(err)
		ts.Defer(s.Close)
		fakes.Store(ts, s)
		ts.Setenv("SIGFORGE_KIBANA_URL", s.URL)
		ts.Setenv("SIGFORGE_KIBANA_API_KEY", args[1])
		return
	}
	v, ok := fakes.Load(ts)
	if !ok {
		ts.Fatalf("kibana-fake: start it first")
	}
	s := v.(*kibanatest.Server)
	switch args[0] {
	case "fault":
		if len(args) < 4 {
			ts.Fatalf("usage: kibana-fake fault METHOD PATH STATUS [TIMES [RETRY_AFTER]]")
		}
		f := kibanatest.Fault{Method: args[1], Path: args[2], Status: atoi(ts, args[3])}
		if len(args) > 4 {
			f.Times = atoi(ts, args[4])
		}
		if len(args) > 5 {
			f.RetryAfter = args[5]
		}
		s.AddFault(f)
	case "drop":
		s.AddFault(kibanatest.Fault{Method: args[1], Path: args[2], Drop: true})
	case "seed":
		var doc map[string]any
		ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[1])), &doc))
		s.Seed("default", doc)
	case "count":
		if got := len(s.Rules("default")); got != atoi(ts, args[1]) {
			ts.Fatalf("kibana holds %d rules, want %s", got, args[1])
		}
	case "field":
		rule, ok := s.Rules("default")[args[1]]
		if !ok {
			ts.Fatalf("no rule %s in kibana", args[1])
		}
		got, _ := json.Marshal(rule[args[2]])
		if string(got) != args[3] {
			ts.Fatalf("rule %s: %s is %s, want %s", args[1], args[2], got, args[3])
		}
	case "valid":
		if bad := s.Invalid(); len(bad) > 0 {
			ts.Fatalf("%d requests do not match %s:\n%s", len(bad), s.Validator().Name(), strings.Join(bad, "\n"))
		}
	default:
		ts.Fatalf("kibana-fake: unknown subcommand %q", args[0])
	}
}

func atoi(ts *testscript.TestScript, s string) int {
	n, err := strconv.Atoi(s)
	ts.Check(err)
	return n
}
