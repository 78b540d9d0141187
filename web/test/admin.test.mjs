// Administrators' journeys: an ORG_ADMIN opens the gap report, drills into a
// department and a competency, exports the CSV and creates a plan, then makes it
// live; the same in Hindi; a content provider's and a platform admin's pages; and
// text from data is never markup.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axe, base, gql, learner, open, overflowX, shot, signInWithToken, token } from './helpers.mjs';

test('an ORG_ADMIN opens the gap report, drills into a department and creates a plan', async (t) => {
  const { page, check } = await open(t);
  await signInWithToken(page, token('--role', 'ORG_ADMIN', '--org', 'MOE'));
  await page.waitForURL(`${base}/app/gaps`);
  await page.getByText('Ministry of Education: ').waitFor();
  const rows = page.locator('table.heatmap tbody tr');
  await rows.first().waitFor();
  const departments = await rows.locator('th button').allInnerTexts();
  assert.ok(departments.length >= 2, `the heatmap has ${departments.length} sub-organisations`);
  assert.ok(await page.locator('table.heatmap td button.cell').count() >= departments.length, 'the heatmap has cells');
  await axe(page, 'the gap report');
  await shot(page, 'gaps-desktop');

  // Drill into the first department through a cell: its own report, with a trail back.
  const department = departments[0];
  await rows.first().locator('td button.cell').first().click();
  await page.getByText(`${department}: `).waitFor();
  const trail = page.getByRole('navigation', { name: 'Where you are' });
  assert.equal(await trail.locator('[aria-current=page]').innerText(), department);
  // A competency's level histogram.
  const competency = page.locator('table.heatmap thead button').first();
  const name = await competency.innerText();
  await competency.click();
  const histogram = page.locator('.histogram');
  await histogram.waitFor();
  assert.equal(await histogram.locator('h3').innerText(), `Levels in ${name}`);
  assert.equal(await histogram.locator('.bar').count(), 6);
  await axe(page, 'a department with a histogram');
  await shot(page, 'gaps-drill-desktop');

  // The CSV of the department, downloaded with the token.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export to CSV' }).click()]);
  assert.match(download.suggestedFilename(), /^gaps-MOE-.+\.csv$/);
  const csv = await (await import('node:fs/promises')).readFile(await download.path(), 'utf8');
  assert.ok(csv.split('\n').length > 2, 'the CSV has rows');

  await trail.getByRole('button', { name: 'Top' }).click();
  await page.getByText('Ministry of Education: ').waitFor();

  // A plan: created as a draft, then live.
  await page.getByRole('link', { name: 'Plans' }).click();
  const plan = `Noting and drafting ${Date.now()}`;
  await page.getByLabel('Name of the plan').fill(plan);
  await page.getByLabel('Search courses').fill('Noting');
  const pick = page.locator('fieldset.picklist input[type=checkbox]').first();
  await pick.waitFor();
  await pick.check();
  await page.getByText('Courses (1 chosen)').waitFor();
  await axe(page, 'the plan form');
  await page.getByRole('button', { name: 'Create the plan' }).click();
  await page.getByText(`Plan "${plan}" created as a draft.`).waitFor();
  const card = page.locator(`li[data-plan="${plan}"]`);
  await card.getByText('Draft', { exact: true }).waitFor();
  await card.getByRole('button', { name: `Make it live: ${plan}` }).click();
  await card.getByText('Live', { exact: true }).waitFor();
  assert.match(await card.innerText(), /\d+ assigned, \d+ enrolled, \d+ completed, \d+ overdue/);
  await shot(page, 'plans-desktop');

  await page.getByRole('link', { name: 'Seat requests' }).click();
  await page.getByRole('heading', { level: 1, name: 'Seat requests' }).waitFor();
  await page.waitForFunction(() => !document.querySelector('main .loading'));
  await axe(page, 'the seat requests');
  check();
});

test('the ORG_ADMIN journey in Hindi, and on a phone', async (t) => {
  const { page, check } = await open(t, { width: 360, height: 740 });
  await page.goto(`${base}/app/`);
  await page.getByRole('button', { name: 'हिन्दी' }).click();
  await signInWithToken(page, token('--role', 'ORG_ADMIN', '--org', 'MOE'));
  await page.getByRole('heading', { level: 1, name: 'अंतर रिपोर्ट' }).waitFor();
  await page.getByText('Ministry of Education: ').waitFor();
  assert.match(await page.locator('p.summary').innerText(), /शिक्षार्थी।$/);
  assert.equal(await overflowX(page), 0, 'the gap report scrolls sideways at 360 px (the heatmap scrolls inside its box)');
  await axe(page, 'the gap report in Hindi');
  await shot(page, 'gaps-hi-phone');
  const rows = page.locator('table.heatmap tbody tr');
  const department = await rows.first().locator('th button').innerText();
  await rows.first().locator('th button').click();
  await page.getByText(`${department}: `).waitFor();
  await page.getByRole('link', { name: 'योजनाएँ' }).click();
  const plan = `नोटिंग योजना ${Date.now()}`;
  await page.getByLabel('योजना का नाम').fill(plan);
  await page.locator('fieldset.picklist input[type=checkbox]').first().check();
  // Bad input: a due date already past. The API's refusal is a sentence in Hindi, never JSON.
  await page.getByLabel('अंतिम तिथि').fill('2020-01-01');
  await page.getByRole('button', { name: 'योजना बनाएँ' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const said = await alert.innerText();
  assert.match(said, /^कृपया अपनी दर्ज की गई जानकारी जाँचें।/);
  assert.doesNotMatch(said, /[{}"]|extensions|BAD_USER_INPUT/);
  await axe(page, 'an error in Hindi');
  await page.getByLabel('अंतिम तिथि').fill(new Date(Date.now() + 90 * 86400000).toISOString().slice(0, 10));
  await page.getByRole('button', { name: 'योजना बनाएँ' }).click();
  await page.getByText(`योजना "${plan}" प्रारूप के रूप में बनाई गई।`).waitFor();
  assert.equal(await overflowX(page), 0, 'the plans page scrolls sideways at 360 px');
  await axe(page, 'the plans in Hindi');
  await shot(page, 'plans-hi-phone');
  check();
});

test('a content provider edits a course and reads its effectiveness; a platform admin reads the audit log', async (t) => {
  const { page, check } = await open(t);
  await signInWithToken(page, token('--role', 'CONTENT_PROVIDER'));
  await page.waitForURL(`${base}/app/courses`);
  await page.getByLabel('Search courses').fill('Noting');
  await page.waitForFunction(() => {
    const titles = [...document.querySelectorAll('ul.cards > li h2')].map((h) => h.textContent ?? '');
    return titles.length > 0 && titles.every((x) => /noting/i.test(x));
  });
  const card = page.locator('ul.cards > li').first();
  const title = await card.locator('h2').innerText();
  await card.getByRole('button', { name: `Edit ${title}` }).click();
  await card.getByLabel('Title').fill(`${title} (revised)`);
  await card.getByRole('button', { name: 'Save' }).click();
  await page.getByText(`Saved ${title} (revised).`).waitFor();
  await card.getByRole('button', { name: `Effectiveness of ${title} (revised)` }).click();
  await card.getByText(/claims \d → \d/).first().waitFor();
  await axe(page, 'the courses');
  await shot(page, 'courses-desktop');
  await page.getByRole('link', { name: 'Assessment items' }).click();
  await page.getByLabel('Search competencies').fill('RTI');
  await page.getByLabel('Competency', { exact: true }).selectOption({ label: 'RTI Responsiveness' }); // a demo item bank
  const item = page.locator('ul.cards > li').first();
  await item.waitFor();
  const code = (await item.locator('p.small').innerText()).split(' · ')[0];
  await axe(page, 'the assessment items');
  await item.getByRole('button', { name: `Edit item ${code}` }).click();
  const stem = item.getByLabel('Question');
  await stem.fill(`${await stem.inputValue()} (reviewed)`);
  await item.getByRole('radio', { name: 'Option 2 is correct' }).check();
  await axe(page, 'an item being edited');
  await item.getByRole('button', { name: 'Save' }).click();
  await page.getByText(`Saved item ${code}.`).waitFor();
  await page.locator('ul.cards > li', { hasText: '(reviewed)' }).first().waitFor();

  const admin = await open(t);
  await signInWithToken(admin.page, token('--role', 'PLATFORM_ADMIN'));
  await admin.page.getByRole('link', { name: 'Audit log' }).click();
  const entries = admin.page.locator('table tbody tr');
  await entries.first().waitFor();
  assert.match(await admin.page.locator('table').innerText(), /updateCourse/, 'the edit is in the audit log');
  await axe(admin.page, 'the audit log');
  await shot(admin.page, 'audit-desktop');
  await admin.page.getByRole('link', { name: 'Plans' }).click();
  await admin.page.getByLabel('Organisation').selectOption({ label: 'Ministry of Education' });
  await admin.page.getByLabel('Name of the plan').waitFor();
  await admin.page.waitForFunction(() => !document.querySelector('main .loading'));
  await axe(admin.page, 'the plans of a platform admin');
  await admin.page.getByRole('link', { name: 'Gap report' }).click();
  await admin.page.getByLabel('Organisation').selectOption({ label: 'Ministry of Education' });
  await admin.page.locator('table.heatmap').waitFor();
  check();
  admin.check();
});

test('every administrator page in Hindi passes axe-core', async (t) => {
  const { page, check } = await open(t);
  await page.goto(`${base}/app/`);
  await page.getByRole('button', { name: 'हिन्दी' }).click();
  await signInWithToken(page, token('--role', 'PLATFORM_ADMIN'));
  for (const name of ['अंतर रिपोर्ट', 'योजनाएँ', 'सीट अनुरोध', 'पाठ्यक्रम', 'मूल्यांकन प्रश्न', 'ऑडिट लॉग']) {
    await page.getByRole('navigation', { name: 'पृष्ठ' }).getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    await page.waitForFunction(() => !document.querySelector('main .loading'));
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'hi');
    await axe(page, `${name} in Hindi`);
    await shot(page, `admin-${name}-hi-desktop`);
  }
  check();
});

test('a phone 360 px wide: no administrator page scrolls sideways', async (t) => {
  const { page, check } = await open(t, { width: 360, height: 740 });
  await signInWithToken(page, token('--role', 'PLATFORM_ADMIN'));
  for (const path of ['gaps', 'plans', 'seats', 'courses', 'items', 'audit']) {
    await page.goto(`${base}/app/${path}`);
    await page.locator('h1').waitFor();
    await page.waitForFunction(() => !document.querySelector('main .loading'));
    if (path === 'gaps') {
      await page.getByLabel('Organisation').selectOption({ label: 'Ministry of Education' });
      await page.locator('table.heatmap').waitFor();
    }
    assert.equal(await overflowX(page), 0, `${path} scrolls sideways at 360 px`);
    await shot(page, `admin-${path}-phone`);
  }
  check();
});

test('text from data is shown as text, never as markup', async (t) => {
  const payload = '<img src=x onerror="window.__xss=1">';
  const admin = token('--role', 'PLATFORM_ADMIN');
  const me = await learner('EMP0000006');
  const plain = (s) => s.split(`${payload} `).join(''); // a rerun on the same server finds it there already
  me.name = plain(me.name);
  await gql(admin, 'mutation($id: ID!, $name: String!) { updateLearner(input: { id: $id, name: $name }) { learner { id } } }', { id: me.id, name: `${payload} ${me.name}` });
  const recs = await gql(admin, 'query($id: ID!) { recommendations(learnerId: $id, first: 1) { items { course { id title } } } }', { id: me.id });
  const course = recs.recommendations.items[0].course;
  course.title = plain(course.title);
  await gql(admin, 'mutation($id: ID!, $title: String!) { updateCourse(input: { id: $id, title: $title }) { course { id } } }', { id: course.id, title: `${payload} ${course.title}` });

  const { page, check } = await open(t);
  await signInWithToken(page, token('--role', 'LEARNER', '--learner', 'EMP0000006'));
  await page.getByText(`${payload} ${me.name}`).waitFor();
  await page.getByRole('link', { name: 'Recommendations' }).click();
  await page.getByText(`${payload} ${course.title}`).first().waitFor();
  assert.equal(await page.locator('img').count(), 0, 'no image element came from the data');
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  check();
});

test('a learner asks for a seat that needs approval, and the ORG_ADMIN of their ministry approves it', async (t) => {
  const me = await learner('EMP0000007');
  const chain = await gql(token('--role', 'PLATFORM_ADMIN'), 'query($id: ID!) { learner(id: $id) { organisation { code parent { code parent { code } } } } }', { id: me.id });
  let org = chain.learner.organisation;
  while (org.parent) org = org.parent;

  const { page, check } = await open(t);
  await signInWithToken(page, token('--role', 'LEARNER', '--learner', 'EMP0000007'));
  await page.getByRole('link', { name: 'Batches and events' }).click();
  const open1 = page.locator('ul.cards > li', { hasText: 'needs one approval' }).filter({ has: page.getByRole('button', { name: /^Ask for a seat/ }) }).first();
  const name = await open1.locator('h3').innerText();
  const batch = page.locator('ul.cards > li').filter({ has: page.getByRole('heading', { name, exact: true }) });
  await batch.getByRole('button', { name: `Ask for a seat in ${name}` }).click();
  await batch.getByText('Waiting for approval').waitFor();

  const admin = await open(t);
  await signInWithToken(admin.page, token('--role', 'ORG_ADMIN', '--org', org.code));
  await admin.page.getByRole('link', { name: 'Seat requests' }).click();
  const approve = admin.page.getByRole('button', { name: `Approve the request of ${me.name} for ${name}` }).first();
  await approve.waitFor();
  await axe(admin.page, 'the seat requests with one waiting');
  await shot(admin.page, 'seats-desktop');
  await approve.click();
  await admin.page.getByRole('button', { name: `Approve the request of ${me.name} for ${name}` }).waitFor({ state: 'detached' });

  await page.reload();
  await batch.getByText(/Seat confirmed|On the waiting list/).waitFor();
  check();
  admin.check();
});
