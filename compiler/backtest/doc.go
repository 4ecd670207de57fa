// Package backtest runs the compiled Elastic queries of a rule pack on a real
// Elasticsearch and compares their verdicts with sigforge's in-process
// evaluators: it indexes the ECS-mapped fixtures into a throwaway data stream
// (bulk create actions), runs each rule's EQL through _eql/search, its ES|QL
// through _query and its KQL as the query DSL that Kibana's detection engine
// derives from it (KQLToDSL) through _search, one fixture file at a time,
// and reports every disagreement.
//
// It talks to Elasticsearch with github.com/elastic/go-elasticsearch/v8 and
// is opt-in: it needs SIGFORGE_ES_URL (and SIGFORGE_ES_API_KEY or
// SIGFORGE_ES_USERNAME/SIGFORGE_ES_PASSWORD).
package backtest
