// Package ecs maps raw AWS CloudTrail records to the Elastic Common Schema
// documents that Elastic's AWS integration (data stream aws.cloudtrail)
// stores, and rewrites rules written against raw CloudTrail field names into
// rules on those ECS fields.
//
// Two entry points serve the Elastic targets (KQL, EQL, ES|QL, Lucene,
// Kibana):
//
//   - Map (and MapJSON) turn one raw CloudTrail record into the document the
//     integration's ingest pipeline would index, as nested objects the way
//     Elasticsearch returns _source. event.Lookup(doc, "event.action") works
//     on the result. Evaluators of compiled Elastic queries run on it.
//   - Rewrite turns a rule's Matches on raw names (eventName,
//     requestParameters.publiclyAccessible, ...) into Matches on ECS names
//     (event.action, aws.cloudtrail.request_parameters, ...) from one table,
//     which users extend with targets.elastic.field_mappings in the
//     configuration. Backends compile the rewritten rule.
//
// # What Map reproduces
//
// The pipeline is packages/aws/data_stream/cloudtrail/elasticsearch/
// ingest_pipeline/default.yml in elastic/integrations. Map reproduces the
// fields detections use: @timestamp, event.{action,provider,outcome,id,kind,
// type,category}, cloud.{region,account.id}, user.{name,id,email,domain},
// source.{address,ip}, user_agent.original, aws.cloudtrail.* (user_identity,
// error_code/error_message, event_type/version/category, request_id,
// read_only, management_event, api_version, recipient_account_id,
// vpc_endpoint_id, shared_event_id), tls.*, the flat strings
// aws.cloudtrail.{request_parameters,response_elements,additional_eventdata,
// service_event_details} and their object forms under
// aws.cloudtrail.flattened.*. It also sets data_stream.dataset and
// event.dataset to "aws.cloudtrail", which the data stream (not the
// pipeline) adds and which Elastic's own rules filter on. It does not
// reproduce GeoIP/ASN enrichment, user-agent parsing (only .original),
// related.*, aws.cloudtrail.resources, actor/target entities or
// event.original.
//
// A log line (a record without CloudTrail's top-level fields, with a string
// message: a CloudWatch Logs event or a text line read as {"message":
// line}) maps as the AWS integration's CloudWatch Logs input stores it:
// message, aws.cloudwatch.log_group/log_stream/ingestion_time, event.id,
// @timestamp from the millisecond timestamp, dataset aws.cloudwatch_logs.
//
// The flat strings are Java's Map.toString() of the parsed JSON after null
// and empty values were dropped recursively: "{k1=v1, k2=[a, b], k3={x=y}}",
// keys in java.util.HashMap iteration order (String.hashCode, spread
// h^(h>>>16), table growth at load factor 0.75 counted over the keys before
// the drop, iteration by bucket then insertion order), strings unquoted,
// numbers as Java prints Integer/Long/Double. MapJSON keeps the JSON key
// order and so reproduces the bytes exactly; Map receives a Go map, which
// has no order, and inserts keys in sorted order, so two keys that share a
// HashMap bucket may come out in another order than Elasticsearch's (the
// set of "k=v" pieces is the same). Treeified buckets (8+ colliding keys in
// a table of 64+) are not modelled.
//
// user.name follows the newest pipeline revision seen in Elastic's test
// fixtures: userIdentity.userName, replaced by the session issuer's
// userName for assumed roles (when userIdentity.userName is absent: an ES
// rename does not overwrite), and an e-mail-like name is split into
// user.email (the whole name), user.name (the part before the last "@") and
// user.domain (the part after it). The split rule is inferred from the
// fixtures, not read in the pipeline source.
package ecs
