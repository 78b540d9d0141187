// Runs graphql-http's server audits (the GraphQL over HTTP spec) against a running
// server and prints one line per audit. Exits 1 if any MUST or SHOULD audit fails
// (MAY audits are reported but never fail the run), 2 if the server cannot be reached.
//
//   node audit.mjs http://127.0.0.1:8080/graphql
//   GRAPHQL_URL=http://127.0.0.1:8080/graphql npm run audit
import { serverAudits } from 'graphql-http';

const url = process.argv[2] || process.env.GRAPHQL_URL || 'http://127.0.0.1:8080/graphql';

try {
  await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' });
} catch (err) {
  console.error(`graphql-http audit: cannot reach ${url}: ${err.cause?.message ?? err.message}`);
  process.exit(2);
}

const counts = { MUST: [0, 0], SHOULD: [0, 0], MAY: [0, 0] }; // [passed, failed]
let failures = 0;
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const level = audit.name.split(' ')[0];
  const ok = result.status === 'ok';
  counts[level][ok ? 0 : 1]++;
  if (ok) {
    console.log(`ok    ${result.id} ${result.name}`);
    continue;
  }
  // status is 'error' for MUST, 'warn' for SHOULD, 'notice' for MAY.
  const fatal = level === 'MUST' || level === 'SHOULD';
  if (fatal) failures++;
  let body = '';
  try {
    body = (await result.response.text()).slice(0, 300);
  } catch {
    // the audit already read the body
  }
  console.log(`${fatal ? 'FAIL ' : 'note '} ${result.id} ${result.name}: ${result.reason}` +
    ` (HTTP ${result.response.status} ${result.response.headers.get('content-type') ?? ''}${body ? ` ${body}` : ''})`);
}

const line = Object.entries(counts).map(([level, [p, f]]) => `${level} ${p}/${p + f}`).join(', ');
console.log(`graphql-http audit of ${url}: ${line}`);
const passed = counts.MUST[0] + counts.SHOULD[0] + counts.MAY[0];
const notices = counts.MAY[1]; // MAY audits that failed: reported, never fatal
console.log(`graphql-http: ${passed} passed, ${failures} failed${notices ? `, ${notices} skipped` : ''}`);
if (failures > 0) process.exit(1);
