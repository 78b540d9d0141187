// A learner's journeys: sign in with a mailed code, read the passbook, dismiss a
// recommendation and see the list change, set the learning path's budget; in English
// and in Hindi; axe-core on every page; the token never leaves sessionStorage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axe, base, gql, learner, open, overflowX, shot, signInWithCode, signInWithToken, token } from './helpers.mjs';

test('a learner signs in, reads the passbook, dismisses a recommendation and plans a path', async (t) => {
  const { page, check } = await open(t);
  const me = await learner('EMP0000001');
  await signInWithCode(page, me.email);

  await page.waitForURL(`${base}/app/passbook`);
  await assert.doesNotReject(page.getByRole('heading', { level: 1, name: 'Passbook' }).waitFor());
  await page.getByText(me.name).first().waitFor();
  const cards = page.locator('ul.passbook > li');
  const n = await cards.count();
  assert.ok(n >= 3, `the passbook shows ${n} competencies`);
  // Each competency's distribution is a bar chart of the six levels 0..5.
  const chart = cards.first().locator('figure.bars');
  assert.equal(await chart.locator('.bar').count(), 6);
  assert.match(await chart.getAttribute('aria-label'), /level 0 \d+%.*level 5 \d+%/);
  assert.match(await cards.first().innerText(), /80% interval: levels \d to \d/);
  await axe(page, 'the passbook');
  await shot(page, 'passbook-desktop');

  await page.getByRole('link', { name: 'Recommendations' }).click();
  const recs = page.locator('li.rec');
  await recs.first().waitFor();
  const before = await recs.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-course')));
  assert.ok(before.length >= 2, `${before.length} recommendations`);
  assert.ok((await recs.first().locator('.explanation').innerText()).length > 20, 'a recommendation explains itself');
  await page.getByText('Live: this list updates by itself.').waitFor(); // the subscription answered
  // New evidence, recorded elsewhere, reaches the open page through recommendationsChanged.
  const generated = await page.locator('ol.recs').getAttribute('data-generated');
  const admin = token('--role', 'PLATFORM_ADMIN');
  const held = await gql(admin, 'query($id: ID!) { learner(id: $id) { proficiencies { competency { id } } } }', { id: me.id });
  await gql(admin, 'mutation($l: ID!, $c: ID!) { recordEvidence(input: { learnerId: $l, competencyId: $c, source: SUPERVISOR, level: 3 }) { evidence { id } } }',
    { l: me.id, c: held.learner.proficiencies[0].competency.id });
  await page.waitForFunction((g) => document.querySelector('ol.recs')?.getAttribute('data-generated') !== g, generated);
  await axe(page, 'the recommendations');
  await shot(page, 'recommendations-desktop');

  const first = recs.first();
  const title = (await first.locator('h2').innerText()).replace(/^\d+\.\s*/, '');
  await first.getByRole('button', { name: `Not for me: ${title}` }).click();
  await first.getByLabel('I have done this already').check();
  await axe(page, 'the dismissal form');
  await first.getByRole('button', { name: 'Dismiss', exact: true }).click();
  await page.getByText(`Dismissed ${title}. The list has been updated.`).waitFor();
  const after = await recs.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-course')));
  assert.ok(!after.includes(before[0]), 'the dismissed course left the list');
  assert.ok(after.length >= before.length - 1 && after.length > 0, `the list has ${after.length} courses after the dismissal`);

  // Enrolling from a recommendation: the course moves to My courses.
  const second = recs.first();
  const enrolTitle = (await second.locator('h2').innerText()).replace(/^\d+\.\s*/, '');
  await second.getByRole('button', { name: `Enrol: ${enrolTitle}` }).click();
  await page.getByText(`Enrolled in ${enrolTitle}. It is under My courses.`).waitFor();
  await page.getByRole('link', { name: 'My courses', exact: true }).click();
  await page.locator('ul.cards > li h3', { hasText: enrolTitle }).first().waitFor();

  await page.getByRole('link', { name: 'Learning path' }).click();
  const summary = page.locator('p.summary');
  await summary.waitFor();
  assert.match(await summary.innerText(), /hours in all; total gap/);
  const steps40 = await page.locator('ol.steps > li').count();
  await page.getByLabel(/Hours you can give/).fill('4');
  await page.getByText('Hours you can give: 4').waitFor();
  // The path within 4 hours has come when the summary's total is at most 4 (the
  // page keeps the 40-hour path on screen while it reloads).
  await page.waitForFunction(() => {
    const m = /([\d.]+) hours in all/.exec(document.querySelector('p.summary')?.textContent ?? '');
    return m !== null && Number(m[1]) <= 4;
  });
  const steps4 = await page.locator('ol.steps > li').count();
  assert.ok(steps4 <= steps40, `a budget of 4 h has ${steps4} steps, 40 h ${steps40}`);
  await axe(page, 'the learning path');
  await shot(page, 'path-desktop');

  for (const [name, heading] of [['My courses', 'My courses'], ['Batches and events', 'Batches and events'], ['Karma', 'Karma'], ['Assessment', 'Assessment']]) {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.waitForFunction(() => !document.querySelector('main .loading'));
    await axe(page, `the page ${name}`);
    await shot(page, `${name.toLowerCase().replace(/\W+/g, '-')}-desktop`);
  }

  // A certificate's verification link: public, and it says whose certificate it is.
  await page.getByRole('link', { name: 'My courses', exact: true }).click();
  const verify = page.getByRole('link', { name: /^verify KY-/ }).first();
  await verify.waitFor();
  await verify.click();
  await page.getByText('This certificate is genuine.').waitFor();
  assert.match(await page.locator('main').innerText(), new RegExp(`Issued to ${me.name} for .+ on `));
  await axe(page, 'a certificate verification');
  await page.goBack();

  // The token is in sessionStorage only; localStorage holds the language at most.
  const stored = await page.evaluate(() => ({ local: Object.keys(localStorage), session: Object.keys(sessionStorage), url: location.href,
    token: sessionStorage.getItem('karmayogi.token') }));
  assert.deepEqual(stored.local.filter((k) => k !== 'karmayogi.lang'), []);
  assert.deepEqual(stored.session, ['karmayogi.token']);
  assert.ok(stored.token && !stored.url.includes(stored.token), 'no token in the URL');

  // A page for another role is "not found", as the API would say.
  await page.goto(`${base}/app/gaps`);
  await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();

  // Signing out revokes the token: the API refuses it afterwards.
  const tok = await page.evaluate(() => sessionStorage.getItem('karmayogi.token'));
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` }, body: '{"query":"{ viewer { id } }"}' });
  assert.equal(res.status, 401, 'the signed-out token is refused');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('karmayogi.token')), null);
  check();
});

test('the same journey in Hindi, remembered across a reload', async (t) => {
  const { page, check } = await open(t);
  const me = await learner('EMP0000002');
  await page.goto(`${base}/app/`);
  await page.getByRole('button', { name: 'हिन्दी' }).click();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'hi');
  await page.getByRole('heading', { level: 1, name: 'साइन इन करें' }).waitFor();
  await axe(page, 'the sign-in page in Hindi');
  await shot(page, 'signin-hi-desktop');
  await signInWithCode(page, me.email);

  await page.getByRole('heading', { level: 1, name: 'पासबुक' }).waitFor();
  await page.locator('ul.passbook > li').first().waitFor();
  assert.match(await page.locator('ul.passbook > li').first().innerText(), /80% अंतराल: स्तर \d से \d/);
  await axe(page, 'the passbook in Hindi');
  await shot(page, 'passbook-hi-desktop');

  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'पासबुक' }).waitFor(); // still signed in, still Hindi
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'hi');

  await page.getByRole('link', { name: 'सुझाव' }).click();
  const recs = page.locator('li.rec');
  await recs.first().waitFor();
  const before = await recs.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-course')));
  const title = (await recs.first().locator('h2').innerText()).replace(/^\d+\.\s*/, '');
  await recs.first().getByRole('button', { name: `मेरे लिए नहीं: ${title}` }).click();
  await recs.first().getByLabel('अभी इसके लिए समय नहीं है').check();
  // The explanations are the API's, in the page's language, also when the live
  // subscription brings them (its connection says the language in connection_init).
  await page.getByText('लाइव: यह सूची अपने-आप अद्यतन होती है।').waitFor(); // the subscription's list has arrived
  for (const text of await page.locator('li.rec p.explanation').allInnerTexts()) {
    assert.match(text, /स्तर/, `an explanation in Hindi: ${text}`);
    assert.doesNotMatch(text, /\bRaises\b|\blevel\b/, `no English in: ${text}`);
  }
  await axe(page, 'the recommendations in Hindi');
  await shot(page, 'recommendations-hi-desktop');
  await recs.first().getByRole('button', { name: 'हटाएँ', exact: true }).click();
  await page.getByText(`${title} हटा दिया गया। सूची अद्यतन कर दी गई है।`).waitFor();
  const after = await recs.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-course')));
  assert.ok(!after.includes(before[0]), 'the dismissed course left the list');

  await page.getByRole('link', { name: 'सीखने का मार्ग' }).click();
  await page.locator('p.summary').waitFor();
  assert.match(await page.locator('p.summary').innerText(), /कुल .* घंटे; कुल अंतर पहले/);
  await axe(page, 'the learning path in Hindi');

  for (const [name, heading] of [['मेरे पाठ्यक्रम', 'मेरे पाठ्यक्रम'], ['बैच और कार्यक्रम', 'बैच और कार्यक्रम'], ['कर्म अंक', 'कर्म अंक'], ['मूल्यांकन', 'मूल्यांकन']]) {
    await page.getByRole('navigation', { name: 'पृष्ठ' }).getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.waitForFunction(() => !document.querySelector('main .loading'));
    await axe(page, `the page ${name} in Hindi`);
    await shot(page, `${name}-hi-desktop`);
  }

  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Assessment' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  check();
});

test('keyboard only: sign in, open the recommendations, dismiss one', async (t) => {
  const { page, check } = await open(t);
  const me = await learner('EMP0000003');
  const { codeAfter, logLength } = await import('./helpers.mjs');
  await page.goto(`${base}/app/`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  const focused = () => page.evaluate(() => {
    const e = document.activeElement;
    return e ? `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}:${(e.textContent ?? '').trim().slice(0, 40)}` : '';
  });
  // Tab from the top: the skip link first, then on to the email field.
  await page.keyboard.press('Tab');
  assert.match(await focused(), /^a:Skip to the content/);
  for (let i = 0; i < 6 && !(await focused()).startsWith('input#email'); i++) await page.keyboard.press('Tab');
  assert.match(await focused(), /^input#email/);
  await page.keyboard.type(me.email);
  const offset = logLength();
  await page.keyboard.press('Enter');
  await page.locator('#code').waitFor();
  const code = await codeAfter(offset);
  await page.keyboard.press('Tab'); // from the status line's form into the code field
  for (let i = 0; i < 6 && !(await focused()).startsWith('input#code'); i++) await page.keyboard.press('Tab');
  assert.match(await focused(), /^input#code/);
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Passbook' }).waitFor();

  // Through the navigation to Recommendations, with Tab and Enter only. Where
  // focus stands once the passbook has rendered (before the navigation or in the
  // page below it) depends on when it rendered, so search forward, then back.
  for (let i = 0; i < 12 && !(await focused()).startsWith('a:Recommendations'); i++) await page.keyboard.press('Tab');
  for (let i = 0; i < 80 && !(await focused()).startsWith('a:Recommendations'); i++) await page.keyboard.press('Shift+Tab');
  assert.match(await focused(), /^a:Recommendations/);
  await page.keyboard.press('Enter');
  await page.locator('li.rec').first().waitFor();
  const first = await page.locator('li.rec').first().getAttribute('data-course');
  for (let i = 0; i < 40 && !(await focused()).startsWith('button:Not for me'); i++) await page.keyboard.press('Tab');
  assert.match(await focused(), /^button:Not for me/);
  await page.keyboard.press('Enter');
  await page.locator('form.dismiss').waitFor();
  await page.waitForFunction(() => document.activeElement?.matches('form.dismiss input:checked')); // the form puts focus on the chosen reason
  await page.keyboard.press('ArrowDown'); // the next reason
  for (let i = 0; i < 8 && (await focused()) !== 'button:Dismiss'; i++) await page.keyboard.press('Tab');
  assert.equal(await focused(), 'button:Dismiss');
  await page.keyboard.press('Enter');
  await page.locator('p.notice').waitFor();
  const now = await page.locator('li.rec').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-course')));
  assert.ok(!now.includes(first), 'dismissed with the keyboard alone');
  check();
});

test('a phone 360 px wide: no page scrolls sideways', async (t) => {
  const { page, check } = await open(t, { width: 360, height: 740 });
  await signInWithToken(page, token('--role', 'LEARNER', '--learner', 'EMP0000004'));
  for (const path of ['passbook', 'recommendations', 'path', 'learning', 'batches', 'karma', 'assessment']) {
    await page.goto(`${base}/app/${path}`);
    await page.locator('h1').waitFor();
    await page.waitForFunction(() => !document.querySelector('main .loading'));
    assert.equal(await overflowX(page), 0, `${path} scrolls sideways at 360 px`);
    await shot(page, `${path}-phone`);
  }
  await axe(page, 'the assessment page on a phone');
  check();
});

test('certificate verification needs no sign-in and refuses an unknown code', async (t) => {
  const { page, check } = await open(t);
  await page.goto(`${base}/app/verify?code=KY-0000-0000-0000-0000`);
  await page.getByText('No certificate has this code.').waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Certificate verification');
  check();
});

test('an expired or revoked token returns to sign-in and then to the same page', async (t) => {
  const { page, check } = await open(t);
  const me = await learner('EMP0000005');
  await signInWithToken(page, token('--role', 'LEARNER', '--learner', 'EMP0000005'));
  await page.getByRole('heading', { level: 1, name: 'Passbook' }).waitFor();
  await page.getByRole('link', { name: 'Learning path' }).click();
  await page.locator('p.summary').waitFor();
  await gql(token('--role', 'PLATFORM_ADMIN'), 'mutation($id: ID!) { revokeTokens(input: { learnerId: $id }) { notBefore } }', { id: me.id });
  await page.getByLabel(/Hours you can give/).fill('10'); // the next request meets the revoked token
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await new Promise((r) => setTimeout(r, 1100)); // a new token must be issued after the revocation's second
  await page.locator('summary').click();
  await page.getByLabel('Token', { exact: true }).fill(token('--role', 'LEARNER', '--learner', 'EMP0000005'));
  await page.locator('details').getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/app/path`);
  await page.getByRole('heading', { level: 1, name: 'Learning path' }).waitFor();
  check();
});

test('an adaptive assessment taken item by item', async (t) => {
  const { page, check } = await open(t);
  await signInWithToken(page, token('--role', 'LEARNER', '--learner', 'EMP0000001'));
  await page.getByRole('link', { name: 'Assessment' }).click();
  await page.getByLabel('Competency').selectOption({ label: 'RTI Responsiveness' }); // FUN-091 has a demo item bank
  await page.getByRole('button', { name: 'Start the test' }).click();
  const form = page.locator('form.item');
  await form.waitFor();
  await axe(page, 'an assessment item');
  await shot(page, 'assessment-item-desktop');
  let asked = 0;
  const result = page.getByRole('heading', { name: 'Test of RTI Responsiveness complete' });
  while (!(await result.isVisible())) {
    assert.ok(asked < 40, 'the test ends');
    const question = await form.locator('legend').innerText();
    assert.match(await form.innerText(), new RegExp(`question ${asked + 1}`));
    await form.getByRole('radio').first().check();
    await form.getByRole('button', { name: 'Answer' }).click();
    asked++;
    await page.waitForFunction((q) => document.querySelector('form.item legend')?.textContent !== q || !!document.querySelector('main h2, main .error'), question);
    assert.equal(await page.locator('main .error').count(), 0, await page.locator('main').innerText());
  }
  assert.ok(asked >= 2, `${asked} questions`);
  const card = page.locator('[role=status]', { has: result });
  assert.match(await card.innerText(), new RegExp(`Your level: \\d, from ${asked} questions`));
  assert.equal(await card.locator('.bar').count(), 6);
  await axe(page, 'an assessment result');
  await shot(page, 'assessment-result-desktop');
  check();
});
