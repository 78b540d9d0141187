// The first load's weight: the JavaScript and CSS that /app/ loads, gzipped, stay
// within 200 KB (most learners are on phones), and every asset comes from the server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { base } from './helpers.mjs';

test('the first load is at most 200 KB of gzipped JavaScript and CSS', async () => {
  const index = await (await fetch(`${base}/app/`)).text();
  const urls = [...index.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(urls.length >= 2, `the index loads ${urls.join(', ')}`);
  let total = 0;
  for (const u of urls) {
    assert.match(u, /^\/app\/assets\//, `${u} is not one of the server's own assets`);
    const res = await fetch(new URL(u, base));
    assert.equal(res.status, 200, u);
    total += gzipSync(Buffer.from(await res.arrayBuffer()), { level: 9 }).length;
  }
  assert.ok(total <= 200 * 1024, `${total} bytes gzipped`);
});
