// The schema checks, both with @graphql-inspector/cli:
//
//  1. schema.graphql against schema.baseline.graphql (the last release): fails on a
//     breaking change unless CHANGELOG.md lists its path under "## Unreleased"
//     (changelog-rule.cjs). Additions and other safe changes pass.
//  2. With --server URL: the schema that running server serves (introspection)
//     against schema.graphql: any difference fails (fail-on-any.cjs).
//
//   node check.mjs [--server http://127.0.0.1:8080/graphql]
//
// SCHEMA_BASELINE, SCHEMA_FILE and SCHEMA_CHANGELOG override the files (tests use them).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');
const inspector = path.join(here, 'node_modules', '.bin', 'graphql-inspector');

function run(title, args) {
  console.log(`\n== ${title}\n$ graphql-inspector ${args.join(' ')}`);
  const r = spawnSync(inspector, args, { cwd: here, stdio: 'inherit' });
  if (r.error) {
    console.error(`schema check: cannot run graphql-inspector: ${r.error.message} (npm ci in clients/schema-check)`);
    process.exit(2);
  }
  return r.status === 0;
}

const args = process.argv.slice(2);
const i = args.indexOf('--server');
const server = i >= 0 ? args[i + 1] : undefined;

const baseline = process.env.SCHEMA_BASELINE || path.join(root, 'schema.baseline.graphql');
const schema = process.env.SCHEMA_FILE || path.join(root, 'schema.graphql');

let ok = run('schema.graphql against schema.baseline.graphql (breaking changes need a CHANGELOG.md entry)', [
  'diff', baseline, schema,
  '--rule', path.join(here, 'changelog-rule.cjs'),
]);
if (server) {
  ok = run(`the schema ${server} serves against schema.graphql`, [
    'diff', server, schema, '--onComplete', path.join(here, 'fail-on-any.cjs'),
  ]) && ok;
}
console.log(ok ? '\nschema check: passed' : '\nschema check: FAILED');
process.exit(ok ? 0 : 1);
