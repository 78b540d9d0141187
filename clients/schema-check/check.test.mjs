// node --test: the changelog rule lets a breaking change through only when
// CHANGELOG.md records its path under "## Unreleased".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { recordedPaths } = require('./changelog-rule.cjs');

const baseline = `type Query {
  learners(first: Int): [Learner!]!
  legacy: String @deprecated(reason: "use learners")
}
type Learner { id: ID! name: String! email: String }
`;

function check(schema, changelog) {
  const dir = mkdtempSync(path.join(tmpdir(), 'schema-check-'));
  writeFileSync(path.join(dir, 'baseline.graphql'), baseline);
  writeFileSync(path.join(dir, 'schema.graphql'), schema);
  writeFileSync(path.join(dir, 'CHANGELOG.md'), changelog);
  const r = spawnSync(process.execPath, [path.join(import.meta.dirname, 'check.mjs')], {
    env: { ...process.env, SCHEMA_BASELINE: path.join(dir, 'baseline.graphql'), SCHEMA_FILE: path.join(dir, 'schema.graphql'),
      SCHEMA_CHANGELOG: path.join(dir, 'CHANGELOG.md') },
    encoding: 'utf8',
  });
  return { status: r.status, output: r.stdout + r.stderr };
}

const removed = baseline.replace('  legacy: String @deprecated(reason: "use learners")\n', '');

test('recordedPaths reads only the Unreleased section', () => {
  const paths = recordedPaths('# Changelog\n`Query.old`\n## Unreleased\n- removed `Query.legacy` and `Learner.email`\n## 1.0\n- `Query.other`\n');
  assert.deepEqual([...paths].sort(), ['Learner.email', 'Query.legacy']);
});

test('no change passes', () => {
  assert.equal(check(baseline, '# Changelog\n## Unreleased\n').status, 0);
});

test('an addition passes without an entry', () => {
  const r = check(baseline.replace('email: String }', 'email: String designation: String }'), '# Changelog\n## Unreleased\n');
  assert.equal(r.status, 0, r.output);
});

test('an unrecorded breaking change fails and names its path', () => {
  const r = check(removed, '# Changelog\n## Unreleased\n');
  assert.equal(r.status, 1, r.output);
  assert.match(r.output, /Query\.legacy/);
});

test('a breaking change recorded under Unreleased passes', () => {
  const r = check(removed, '# Changelog\n## Unreleased\n### Breaking\n- `Query.legacy` removed (deprecated since 1.0)\n');
  assert.equal(r.status, 0, r.output);
});

test('an entry under an old release does not count', () => {
  const r = check(removed, '# Changelog\n## Unreleased\n## 1.0\n- `Query.legacy` removed\n');
  assert.equal(r.status, 1, r.output);
});

test('a type change needs its own path', () => {
  const r = check(baseline.replace('name: String!', 'name: Int!'), '# Changelog\n## Unreleased\n- `Learner` changed\n');
  assert.equal(r.status, 1, r.output);
  const ok = check(baseline.replace('name: String!', 'name: Int!'), '# Changelog\n## Unreleased\n- `Learner.name` is now an Int\n');
  assert.equal(ok.status, 0, ok.output);
});
