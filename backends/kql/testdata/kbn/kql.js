// sigforge KQL contract oracle: Kibana's own KQL parser (kbn-es-query 1.0.7,
// a build of Kibana 8.9's @kbn/es-query). Reads one JSON request per line
// on stdin: {"query": "<kql>", "fields": {"name": "keyword", ...}} and
// writes one JSON answer per line: {"ok": true, "dsl": {...}} or
// {"ok": false, "error": "..."}.
//
// Without "fields" the conversion runs as Kibana's detection engine does
// for a kuery rule (no field list: match / match_phrase / query_string);
// with them, as Discover with a data view (term / wildcard on keywords).
'use strict';
const readline = require('readline');
const { fromKueryExpression, toElasticsearchQuery } = require('kbn-es-query').kbnEsQuery;

function indexPattern(fields) {
  if (!fields) return undefined;
  return {
    title: 'logs-aws.cloudtrail-*',
    fields: Object.entries(fields).map(([name, type]) => ({
      name,
      type: type === 'keyword' || type === 'text' ? 'string' : type,
      esTypes: [type],
      searchable: true,
      aggregatable: type !== 'text',
    })),
  };
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  let answer;
  try {
    const req = JSON.parse(line);
    const ast = fromKueryExpression(req.query, { allowLeadingWildcards: true });
    const dsl = toElasticsearchQuery(ast, indexPattern(req.fields), {
      queryStringOptions: { analyze_wildcard: true },
      dateFormatTZ: 'Zulu',
    });
    answer = { ok: true, dsl };
  } catch (e) {
    answer = { ok: false, error: String(e && e.message ? e.message : e).split('\n')[0] };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
