// Runs every scenario in src/scenarios/ against a server, in file-name order, and
// exits 1 on the first failure.
//
//   GRAPHQL_URL=http://127.0.0.1:8080/graphql \
//   KARMAYOGI_ADMIN_TOKEN=$(karmayogi token --role PLATFORM_ADMIN | tail -n1) \
//   KARMAYOGI_LEARNER_TOKEN=$(karmayogi token --role LEARNER --learner EMP0000001 | tail -n1) \
//   npm start
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { connect } from './client.js';
import type { Context, Scenario } from './scenario.js';

function env(name: string): string {
  const v = process.env[name];
  if (!v) {
    console.error(`typescript client: set ${name}`);
    process.exit(2);
  }
  return v;
}

const url = env('GRAPHQL_URL');
const ctx: Context = {
  anonymous: connect(url, undefined),
  admin: connect(url, env('KARMAYOGI_ADMIN_TOKEN')),
  learner: connect(url, env('KARMAYOGI_LEARNER_TOKEN')),
  found: new Map(),
  log: (m) => console.log(`      ${m}`),
};

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scenarios');
const files = (await readdir(dir)).filter((f) => f.endsWith('.js')).sort();
let passed = 0;
for (const file of files) {
  const { scenario } = (await import(pathToFileURL(path.join(dir, file)).href)) as { scenario: Scenario };
  const start = performance.now();
  try {
    await scenario.run(ctx);
  } catch (err) {
    console.log(`FAIL  ${scenario.name} (${file})`);
    console.error(err);
    console.log(`typescript client: ${passed} passed, 1 failed`);
    process.exit(1);
  }
  passed++;
  console.log(`ok    ${scenario.name} (${Math.round(performance.now() - start)} ms)`);
}
console.log(`typescript client: ${passed} passed, 0 failed`);
