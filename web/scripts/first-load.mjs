// Measures the console's first load on loopback: for each of RUNS (default 20) fresh
// page loads of /app/ in headless Chromium, the time from navigation start until the
// sign-in form is rendered and its email field is usable (the app's JavaScript has run).
// Prints the median and the 95th percentile. A measurement, not a test: its figures go
// into docs/benchmarks.md with the command and the load average.
//
//   clients/with-server node web/scripts/first-load.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.KARMAYOGI_URL;
if (!base) throw new Error('KARMAYOGI_URL is not set: run under clients/with-server');
const runs = Number(process.env.RUNS ?? 20);
const profile = mkdtempSync(join(tmpdir(), 'karmayogi-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const times = [];
for (let i = -1; i < runs; i++) { // run -1 warms the browser up and is not counted
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true }); // every load is a first load
  await page.goto(`${base}/app/`, { waitUntil: 'commit' });
  await page.waitForFunction(() => document.querySelector('#email') !== null, null, { polling: 'raf' });
  const t = await page.evaluate(() => performance.now());
  if (i >= 0) times.push(t);
  await page.close();
}
await context.close();
rmSync(profile, { recursive: true, force: true });
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
console.log(`first load to a usable sign-in form, ${runs} loads: median ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms`);
