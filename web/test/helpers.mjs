// What the console's browser tests share: Debian's Chromium driven by playwright-core
// (nothing downloads a browser), a fresh profile per journey, a guard that fails on any
// request to a host other than the server, axe-core run in the page, sign-in as the
// demo's learners and administrators, and screenshots in web/screenshots/.
//
// Run by `make check-web-browser` under clients/with-server, which starts a demo server
// and exports KARMAYOGI_URL, DATABASE_URL and KARMAYOGI_SERVER_LOG.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const base = process.env.KARMAYOGI_URL ?? assert.fail('KARMAYOGI_URL is not set: run under clients/with-server (make check-web-browser)');
const bin = process.env.KARMAYOGI_BIN ?? join(repo, 'bin', 'karmayogi');
export const shots = join(repo, 'web', 'screenshots');
mkdirSync(shots, { recursive: true });

const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/**
 * A fresh browser profile (its own --user-data-dir) with one page at width x height.
 * Every request and websocket to another host than the server's is refused and
 * recorded; close() fails the test if there was one.
 */
export async function open(t, { width = 1280, height = 900 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'karmayogi-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: flags,
    viewport: { width, height },
    locale: 'en-IN',
    timezoneId: 'Asia/Kolkata',
  });
  const host = new URL(base).host;
  const external = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.host !== host && url.protocol !== 'data:' && url.protocol !== 'blob:') {
      external.push(url.href);
      return route.abort();
    }
    return route.continue();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).host !== host) external.push(ws.url());
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return {
    page,
    context,
    /** Asserts that nothing went to another host and no script failed. */
    check() {
      assert.deepEqual(external, [], 'requests to other hosts');
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    },
  };
}

/** Runs axe-core (WCAG 2.0/2.1 A and AA) in the page; fails on any violation, naming each. */
export async function axe(page, what) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' ' + (n.failureSummary ?? '').replace(/\s+/g, ' ')).join('\n    ')}`);
  assert.deepEqual(found, [], `axe-core found violations on ${what}`);
}

/** Saves what the screen shows (name.png, the size docs/console/ keeps) and the whole page (name-full.png). */
export async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, `${name}.png`) });
  await page.screenshot({ path: join(shots, `${name}-full.png`), fullPage: true });
}

/** A token from `karmayogi token` for the server's database. */
export function token(...args) {
  return execFileSync(bin, ['token', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop();
}

/** Runs a GraphQL operation against the server with a token; returns data, failing on errors. */
export async function gql(tok, query, variables = {}) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

/** The demo learner with this employee code: id, name and email. */
export async function learner(code) {
  const d = await gql(token('--role', 'PLATFORM_ADMIN'), `query($s: String) { learners(first: 1, filter: { search: $s }) { edges { node { id name email employeeCode organisation { id code name } } } } }`, { s: code });
  const l = d.learners.edges[0]?.node;
  assert.ok(l && l.employeeCode === code, `no demo learner ${code}`);
  return l;
}

/** The newest development sign-in code in the server's log after offset (the log's length before the request). */
export async function codeAfter(offset) {
  const log = process.env.KARMAYOGI_SERVER_LOG ?? assert.fail('KARMAYOGI_SERVER_LOG is not set');
  for (let i = 0; i < 50; i++) {
    const text = readFileSync(log, 'utf8').slice(offset);
    const codes = [...text.matchAll(/"msg":"development sign-in code \(not mailed\)".*?"code":"(\d{6})"/g)];
    if (codes.length) return codes[codes.length - 1][1];
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('no sign-in code in the server log');
}

export function logLength() {
  return readFileSync(process.env.KARMAYOGI_SERVER_LOG, 'utf8').length;
}

/** Signs in through the console's OTP form as the learner with email. */
export async function signInWithCode(page, email) {
  await page.goto(`${base}/app/`);
  await page.getByLabel(/Official email|आधिकारिक ईमेल/).fill(email);
  const offset = logLength();
  await page.getByRole('button', { name: /Send the code|कोड भेजें/ }).click();
  const code = await codeAfter(offset);
  await page.getByLabel(/Six-digit code|छह अंकों का कोड/).fill(code);
  await page.getByRole('button', { name: /^(Sign in|साइन इन करें)$/ }).click();
}

/** Signs in through the console's token form (administrators). */
export async function signInWithToken(page, tok) {
  await page.goto(`${base}/app/`);
  await page.locator('summary').click();
  await page.getByLabel(/^(Token|टोकन)$/).fill(tok);
  await page.locator('details').getByRole('button', { name: /^(Sign in|साइन इन करें)$/ }).click();
}

/** The page's horizontal overflow in CSS pixels (0 when nothing scrolls sideways). */
export async function overflowX(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
