// Checks Subscription.recommendationsChanged across processes, with the graphql-ws
// client a frontend would use: a learner subscribes on server A; evidence and an
// enrolment are recorded through server B; A must push the new lists, which it
// can only hear of through Redis pub/sub.
//
//   node clients/subscriptions/check.mjs        (make check-subscriptions builds bin/karmayogi first)
//
// By default it starts the two servers itself: ./bin/karmayogi serve (KARMAYOGI_BIN
// for another binary) on two free 127.0.0.1 ports, both over one new SQLite
// database in a temporary directory (SUBSCRIPTIONS_DATABASE_URL for another, such
// as a PostgreSQL database made for the run) and one Redis, SUBSCRIPTIONS_REDIS_URL
// (default redis://127.0.0.1:6379/14: a database number of its own, so its cached
// values never meet another deployment's; nothing is ever flushed). A runs with
// --demo and seeds the data; B starts once A is ready. Both are killed on exit.
//
// To check servers that are already running instead, set KARMAYOGI_URL_A and
// KARMAYOGI_URL_B (http://host:port) and DATABASE_URL (for `karmayogi token`) or
// KARMAYOGI_LEARNER_TOKEN and KARMAYOGI_ADMIN_TOKEN.
//
// Every wait is bounded (WAIT_MS each, the whole run by RUN_MS); it exits 1 with
// what it was waiting for, and the servers' logs, on any failure.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const WAIT_MS = 10_000; // for one server to start, or one push
const RUN_MS = 120_000; // for everything
const bin = process.env.KARMAYOGI_BIN || './bin/karmayogi';
const servers = []; // { name, proc, log, exited }
let dir;
let stopping;

// stop ends the run with code: the servers get SIGTERM and five seconds to
// close their database and Redis connections (a database made for the run can
// then be dropped), then SIGKILL.
function stop(code) {
  stopping ??= (async () => {
    const running = servers.filter((s) => s.proc.exitCode === null && s.proc.signalCode === null);
    for (const s of running) s.proc.kill('SIGTERM');
    await Promise.race([Promise.all(running.map((s) => s.exited)), sleep(5000)]);
    for (const s of running) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  })();
  return new Promise(() => {}); // never: the process exits
}
process.on('exit', () => {
  for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.error(`subscriptions: ${sig}: stopping`);
    stop(1);
  });
}

// fail reports what went wrong and the end of the servers' logs, and stops with 1.
// It never returns: `await fail(...)`.
function fail(message) {
  if (stopping) return new Promise(() => {});
  console.error(`subscriptions: FAIL: ${message}`);
  for (const s of servers) {
    try {
      const lines = readFileSync(s.log, 'utf8').trimEnd().split('\n');
      console.error(`--- server ${s.name} log (last 20 lines of ${lines.length}) ---\n${lines.slice(-20).join('\n')}`);
    } catch {
      // no log yet
    }
  }
  return stop(1);
}
setTimeout(() => fail(`the check did not finish in ${RUN_MS / 1000}s`), RUN_MS).unref();
process.on('uncaughtException', (e) => fail(e?.stack ?? String(e)));
process.on('unhandledRejection', (e) => fail(e?.stack ?? String(e)));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// within resolves p, or fails naming what did not happen within ms.
function within(p, what, ms = WAIT_MS) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${ms / 1000}s`)), ms);
    }),
  ]);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// start runs `karmayogi serve` and waits for /readyz, which must report the Redis cache.
async function start(name, args, env) {
  const port = await freePort();
  const log = path.join(dir, `${name}.log`);
  const out = openSync(log, 'w');
  const proc = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, ...args], { env, stdio: ['ignore', out, out] });
  servers.push({ name, proc, log, exited: new Promise((r) => proc.once('exit', r)) });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 6 * WAIT_MS; // A seeds the demo data first
  for (;;) {
    if (proc.exitCode !== null) await fail(`server ${name} exited with ${proc.exitCode}`);
    try {
      const res = await fetch(`${base}/readyz`);
      const body = await res.json();
      if (res.ok && body.cache === 'ok') break;
      if (res.ok) await fail(`server ${name} is ready but its cache is ${JSON.stringify(body.cache)}: is Redis up at ${env.REDIS_URL}?`);
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) await fail(`server ${name} not ready at ${base} within ${(6 * WAIT_MS) / 1000}s`);
    await sleep(200);
  }
  console.log(`subscriptions: server ${name} at ${base} (pid ${proc.pid})`);
  return base;
}

function token(env, ...args) {
  const out = execFileSync(bin, ['token', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.trimEnd().split('\n').pop();
}

// graphql posts a query to base over HTTP and returns its data, failing on errors.
async function graphql(base, bearer, query, variables = {}) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (!res.ok || body.errors) await fail(`HTTP ${res.status} from ${base}: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

// subscribe opens a graphql-ws client on base and returns an iterator of its results.
function subscribe(base, bearer, query, variables) {
  const client = createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket, // Node 20 has no global WebSocket
    connectionParams: bearer ? { Authorization: `Bearer ${bearer}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
  const results = client.iterate({ query, variables });
  return { results, next: () => results.next(), close: () => client.dispose() };
}

// ---- the servers

let A = process.env.KARMAYOGI_URL_A;
let B = process.env.KARMAYOGI_URL_B;
const tokenEnv = { ...process.env };
if (!A || !B) {
  dir = mkdtempSync(path.join(tmpdir(), 'karmayogi-subscriptions-'));
  const env = { ...process.env, KARMAYOGI_ENV: 'development' };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  env.DATABASE_URL = process.env.SUBSCRIPTIONS_DATABASE_URL || `sqlite://${dir}/subscriptions.db`;
  env.REDIS_URL = process.env.SUBSCRIPTIONS_REDIS_URL || 'redis://127.0.0.1:6379/14';
  tokenEnv.DATABASE_URL = env.DATABASE_URL;
  A = await start('A', ['--demo'], env);
  B = await start('B', [], env);
}
const adminToken = process.env.KARMAYOGI_ADMIN_TOKEN || token(tokenEnv, '--role', 'PLATFORM_ADMIN');

// The learner: KARMAYOGI_LEARNER_TOKEN's, KARMAYOGI_LEARNER, or one of the demo's
// 2000 picked at random with something to recommend. Together with a `first` of the
// run's own (below), this keeps lists that an earlier run cached in Redis (the same
// demo data at the same versions) from being served as this run's.
const first = 20 + Math.floor(Math.random() * 80);
let learnerToken = process.env.KARMAYOGI_LEARNER_TOKEN;
let viewer;
for (let attempt = 0; !viewer; attempt++) {
  if (attempt === 5) await fail('5 learners in a row had nothing to recommend');
  const code = process.env.KARMAYOGI_LEARNER || `EMP${String(1 + Math.floor(Math.random() * 2000)).padStart(7, '0')}`;
  const bearer = process.env.KARMAYOGI_LEARNER_TOKEN || token(tokenEnv, '--role', 'LEARNER', '--learner', code);
  const me = (await graphql(B, bearer, '{ viewer { id name } }')).viewer;
  if (!me) await fail('the learner token names no learner');
  const { recommendations } = await graphql(B, bearer, 'query($l: ID!) { recommendations(learnerId: $l, first: 1) { items { rank } } }', { l: me.id });
  if (recommendations.items.length > 0 || process.env.KARMAYOGI_LEARNER_TOKEN || process.env.KARMAYOGI_LEARNER) {
    [viewer, learnerToken] = [me, bearer];
  }
}
const { learners } = await graphql(B, adminToken, '{ learners(first: 2) { edges { node { id } } } }');
const other = learners.edges.map((e) => e.node.id).find((id) => id !== viewer.id);

const RECOMMENDATIONS = `subscription Recommendations($learnerId: ID!, $first: Int) {
  recommendationsChanged(learnerId: $learnerId, first: $first) {
    learner { id } generatedAt cached items { rank course { id code } }
  }
}`;
const codes = (list) => list.items.map((i) => i.course.code).join(', ');

// ---- refusals, as a client sees them

{
  const anonymous = subscribe(A, undefined, RECOMMENDATIONS, { learnerId: viewer.id });
  const closed = await within(anonymous.next().then(
    () => fail('a connection without a token was accepted'),
    (e) => e,
  ), 'refusal of a connection without a token');
  if (closed?.code !== 4403) await fail(`a connection without a token was closed with ${closed?.code} ${closed?.reason}, want 4403`);
  console.log(`subscriptions: ok: without a token the connection is closed with 4403 (${closed.reason})`);
}
{
  const foreign = subscribe(A, learnerToken, RECOMMENDATIONS, { learnerId: other });
  const { value } = await within(foreign.next(), "answer to a subscription to another learner's recommendations");
  const code = value?.errors?.[0]?.extensions?.code;
  if (code !== 'NOT_FOUND' || value.data) await fail(`another learner's recommendations: ${JSON.stringify(value)}, want NOT_FOUND`);
  await foreign.close();
  console.log("subscriptions: ok: another learner's recommendations are NOT_FOUND");
}

// ---- the learner's own: pushed by A for changes made through B

const sub = subscribe(A, learnerToken, RECOMMENDATIONS, { learnerId: viewer.id, first });

// waitFor reads pushes until one satisfies ok, failing after WAIT_MS.
async function waitFor(what, ok) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) await fail(`server A pushed no ${what} within ${WAIT_MS / 1000}s`);
    let step;
    try {
      step = await within(sub.next(), what, left);
    } catch (e) {
      await fail(e instanceof Error ? e.message : `the subscription ended: ${e?.code ?? ''} ${e?.reason ?? JSON.stringify(e)}`);
    }
    if (step.done) await fail(`the subscription completed while waiting for ${what}`);
    if (step.value.errors) await fail(`the subscription pushed errors: ${JSON.stringify(step.value.errors)}`);
    const list = step.value.data.recommendationsChanged;
    if (ok(list)) return list;
    console.log(`subscriptions: (a push that is not yet ${what}: generated ${list.generatedAt})`);
  }
}

const initial = await waitFor('first list', () => true);
if (initial.learner.id !== viewer.id || initial.items.length === 0) await fail(`first list: ${JSON.stringify(initial)}`);
console.log(`subscriptions: ok: A sent ${viewer.name}'s list at once: ${initial.items.length} courses, generated ${initial.generatedAt}`);

const { competencies } = await graphql(B, learnerToken, '{ competencies(first: 1, filter: { type: BEHAVIOURAL }) { edges { node { id } } } }');
const t0 = Date.now();
await graphql(B, learnerToken, `mutation($input: RecordEvidenceInput!) { recordEvidence(input: $input) { evidence { id } } }`, {
  input: { learnerId: viewer.id, competencyId: competencies.edges[0].node.id, source: 'SELF', level: 4 },
});
const afterEvidence = await waitFor('list after recordEvidence on B', (l) => Date.parse(l.generatedAt) > Date.parse(initial.generatedAt));
console.log(`subscriptions: ok: evidence recorded on B; A pushed a new list in ${Date.now() - t0} ms, generated ${afterEvidence.generatedAt}`);

const top = afterEvidence.items[0].course;
const t1 = Date.now();
await graphql(B, learnerToken, `mutation($input: EnrolInput!) { enrol(input: $input) { enrolment { id } } }`, {
  input: { learnerId: viewer.id, courseId: top.id },
});
const afterEnrol = await waitFor(`list without ${top.code} after enrol on B`, (l) => !l.items.some((i) => i.course.id === top.id));
console.log(`subscriptions: ok: enrolled in ${top.code} on B; A pushed a list without it in ${Date.now() - t1} ms (${codes(afterEnrol).slice(0, 60)}...)`);

await sub.close();
console.log('subscriptions: all checks passed');
await stop(0);
