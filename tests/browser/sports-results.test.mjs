// Whole football, basketball and tennis matches played fast by
// `livematch demo`, with the rare endings: a knockout tie decided on
// penalties after extra time, a basketball game in overtime, a tennis
// match with a tiebreak set and a match tiebreak. Each finished page is
// checked against the REST snapshot in full, on desktop and on a phone in
// both themes; the football page is opened before its match exists.
//
// Seeds (the i-th simulated match of a sport uses seed + i, formats in turn,
// see workers/src/demo.rs): with --seed 13, football match 1 is the
// knockout of seed 14 (1–1, penalties 5–3) and tennis match 2 the best of
// three with a match tiebreak of seed 15 (1-6 7-6(4) [6-10]); with
// --seed 119, basketball match 1 is the FIBA game of seed 120 (overtime).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertNoHorizontalOverflow, luminance } from './checks.mjs';
import { get, getJson, launchBrowser, newPage, screenshot, startDemo, waitFor } from './harness.mjs';
import { assertPageEqualsSnapshot, expectBasketball, expectFootball, expectTennis, readBasketball, readFootball, readTennis, tennisStats } from './sport-readers.mjs';

const FOOTBALL = 'sim-football-knockout-14';
const TENNIS = 'sim-tennis-best-of-3-match-tiebreak-15';
const BASKETBALL = 'sim-basketball-fiba-120';

let browser;
let mixed; // football and tennis
let hoops; // basketball
let early; // the football page opened before its match existed

before(async () => {
  browser = await launchBrowser();
  mixed = await startDemo({ sports: ['football', 'tennis'], simulate: null, speed: 1000, seed: 13 });
  // The knockout tie starts once the first football match is over (a few seconds).
  assert.equal((await get(`${mixed.base}/api/matches/${FOOTBALL}`)).status, 404, `${FOOTBALL} has not started yet`);
  early = await newPage(browser);
  await early.goto(`${mixed.base}/#/match/${FOOTBALL}`);
  await early.waitForSelector(`[data-testid="match"][data-match-id="${FOOTBALL}"][data-state="empty"]`);
  hoops = await startDemo({ sports: ['basketball'], simulate: null, speed: 1000, seed: 119 });
});

after(async () => {
  await browser?.close();
  await mixed?.proc.stop();
  await hoops?.proc.stop();
});

/** The snapshot of `id` once it is completed. */
function finished(demo, id) {
  return waitFor(
    async () => {
      const s = (await get(`${demo.base}/api/matches/${id}`)).body;
      return s && s.status === 'completed' ? s : null;
    },
    { timeout: 120000, interval: 250, message: `${id} to finish` },
  ).catch((e) => {
    throw new Error(`${e.message}\n${demo.proc.log()}`);
  });
}

async function openFinished(demo, id, sport, contextOptions) {
  const page = await newPage(browser, contextOptions);
  await page.goto(`${demo.base}/#/match/${id}`);
  await page.waitForSelector(`[data-testid="match"][data-match-id="${id}"][data-sport="${sport}"][data-state="ready"]`);
  await page.waitForSelector('[data-testid="match-status"][data-status="completed"]');
  return page;
}

test('football: the page opened before the knockout tie existed becomes a football page and ends with extra time and the shoot-out, equal to the snapshot', async (t) => {
  const snap = await finished(mixed, FOOTBALL);
  assert.ok(snap.shootout && snap.clock.label === 'Pens', `${FOOTBALL} went to penalties: ${snap.summary}`);
  const page = early;
  await waitFor(async () => (await page.evaluate((m) => window.__livematch.lastSeq[m], FOOTBALL)) === snap.seq, { timeout: 20000, message: 'the early page to reach the final seq' });
  await assertPageEqualsSnapshot(page, mixed.base, FOOTBALL, readFootball, expectFootball);
  // Extra time is on the timeline, the shoot-out in its own table, and the result says it all.
  const ends = await page.$$eval('[data-testid="timeline-item"][data-kind="period_end"] .moment-title', (els) => els.map((e) => e.textContent));
  assert.deepEqual(ends, ['Half time', 'End of normal time', 'Extra time: half time', 'End of extra time']);
  assert.equal(await page.textContent('[data-testid="period"]'), 'After penalties');
  const kicks = snap.shootout.kicks[0].length + snap.shootout.kicks[1].length;
  assert.equal(await page.locator('[data-testid="shootout-kick"]').count(), kicks);
  assert.equal(await page.textContent('[data-testid="result"]'), snap.result);
  assert.match(snap.result, /on penalties/);
  assert.equal(await page.title(), `${snap.result} · livematch`, 'the browser tab says how it ended');
  const stats = await page.evaluate(() => window.__livematch.stats);
  t.diagnostic(`client stats: ${JSON.stringify(stats)}`);
  assert.equal(stats.patchErrors, 0);
  assert.equal(stats.resyncs, 0, 'the first event built the document and the page for its sport');
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1, 'no reload');
  await assertNoHorizontalOverflow(page, 'desktop football page');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'football-finished', { fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('basketball: a game in overtime, finished: score by period with OT, lead tracker, box score and play-by-play equal the snapshot', async () => {
  const snap = await finished(hoops, BASKETBALL);
  assert.ok(snap.by_period.length > 4, `${BASKETBALL} went to overtime: ${snap.summary}`);
  const page = await openFinished(hoops, BASKETBALL, 'basketball');
  await assertPageEqualsSnapshot(page, hoops.base, BASKETBALL, readBasketball, expectBasketball);
  const heads = await page.$$eval('[data-testid="linescore"] thead th', (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(heads, ['Team', '1', '2', '3', '4', ...snap.by_period.slice(4).map((_, i) => (i === 0 ? 'OT' : `${i + 1}OT`)), 'T']);
  assert.equal(await page.locator('[data-testid="lead-point"]').count(), snap.lead.length, 'one lead-tracker point per lead entry');
  assert.equal(await page.textContent('[data-testid="clock"]'), snap.period.status_label);
  // The box score tabs work from the keyboard: the second team's table is shown.
  assert.ok(await page.isVisible('[data-testid="box-table"][data-side="0"]'));
  assert.equal(await page.isVisible('[data-testid="box-table"][data-side="1"]'), false);
  await page.focus('[data-testid="box-tab"][aria-selected="true"]');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('[data-testid="box-tab"][data-index="1"]', 'aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.index), '1');
  assert.ok(await page.isVisible('[data-testid="box-table"][data-side="1"]'));
  assert.equal(await page.isVisible('[data-testid="box-table"][data-side="0"]'), false);
  // The lead tracker is drawn left to right across the box.
  const xs = await page.$$eval('[data-testid="lead-point"]', (cs) => cs.map((c) => c.getBoundingClientRect().x));
  for (let k = 1; k < xs.length; k += 1) assert.ok(xs[k] >= xs[k - 1] - 0.01, `lead point ${k} not left of the one before`);
  await assertNoHorizontalOverflow(page, 'desktop basketball page');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'basketball-finished', { fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('tennis: a match with a tiebreak set and a match tiebreak, finished: scoreboard, point by point and set stats equal the snapshot', async () => {
  const snap = await finished(mixed, TENNIS);
  assert.ok(snap.sets.some((s) => s.tiebreak && s.games[0] + s.games[1] === 13), `${TENNIS} has a tiebreak set`);
  assert.ok(snap.sets.some((s) => s.tiebreak && s.games[0] + s.games[1] === 1), `${TENNIS} ended in a match tiebreak`);
  const page = await openFinished(mixed, TENNIS, 'tennis');
  await assertPageEqualsSnapshot(page, mixed.base, TENNIS, readTennis, expectTennis);
  // The tiebreak loser's points are raised; the match tiebreak shows its points.
  const sups = await page.$$eval('[data-testid="set-cell"] sup', (els) => els.map((e) => e.textContent));
  const tb = snap.sets.find((s) => s.tiebreak && s.games[0] + s.games[1] === 13);
  assert.deepEqual(sups, [String(Math.min(...tb.tiebreak))]);
  assert.equal(await page.locator('[data-testid="pbp-point"]').count(), snap.commentary.filter((c) => c.point).length, 'one point-by-point entry per point');
  // Set tabs: the last set is shown; the first is a keypress away (Home).
  const tabs = await page.$$eval('[data-testid="set-tab"]', (ts) => ts.map((x) => [x.textContent, x.getAttribute('aria-selected')]));
  assert.deepEqual(tabs, snap.sets.map((_, i) => [`Set ${i + 1}`, i === snap.sets.length - 1 ? 'true' : 'false']));
  await page.focus('[data-testid="set-tab"][aria-selected="true"]');
  await page.keyboard.press('Home');
  const firstSet = await page.$$eval('#pbp-set-panel-0:not([hidden]) [data-testid="pbp-game"]', (lis) => lis.length);
  assert.equal(firstSet, snap.games.filter((g) => g.set === 1).length, 'the first set\'s games');
  // Stats per set: pick set 2.
  await page.click('[data-testid="stats-tab"][data-index="2"]');
  const setTwo = await page.$$eval('[data-testid="set-stats"] [data-testid="stat-row"]', (trs) => trs.map((tr) => [tr.dataset.stat, tr.cells[0].textContent.trim(), tr.cells[2].textContent.trim()]));
  assert.deepEqual(setTwo, tennisStats(snap.set_stats[1]));
  assert.equal(await page.getAttribute('[data-testid="set-stats"]', 'data-scope'), 'set-2');
  await assertNoHorizontalOverflow(page, 'desktop tennis page');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'tennis-finished', { fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('phone size in dark and light: every sport\'s page is one column with no horizontal scrolling', async () => {
  const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'dark' };
  for (const [demo, id, sport] of [[mixed, FOOTBALL, 'football'], [hoops, BASKETBALL, 'basketball'], [mixed, TENNIS, 'tennis']]) {
    await finished(demo, id);
    const page = await openFinished(demo, id, sport, phone);
    // Every stylesheet loaded (a 404 would only show as unstyled markup).
    const sheets = await page.evaluate(() => [...document.querySelectorAll('link[rel="stylesheet"]')].map((l) => [l.getAttribute('href'), l.sheet ? l.sheet.cssRules.length : 0]));
    for (const [href, rules] of sheets) assert.ok(rules > 10, `${href} loaded (${rules} rules)`);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.ok(luminance(bg) < 0.05, `dark theme on the ${sport} page: ${bg}`);
    await assertNoHorizontalOverflow(page, `phone ${sport} page, dark`);
    const main = await page.locator('.match-main').boundingBox();
    const side = await page.locator('.match-side').boundingBox();
    assert.ok(side.y >= main.y + main.height - 1, `${sport}: the feed is below the main column on a phone`);
    await screenshot(page, `phone-dark-${sport}`);
    await page.click('#theme');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
    await assertNoHorizontalOverflow(page, `phone ${sport} page, light`);
    await screenshot(page, `phone-light-${sport}`);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
  // The lobby lists the finished matches with their results and sports.
  const page = await newPage(browser, phone);
  await page.goto(`${mixed.base}/`);
  await page.waitForSelector(`[data-testid="lobby-row"][data-match-id="${FOOTBALL}"]`);
  const row = await page.$eval(`[data-testid="lobby-row"][data-match-id="${FOOTBALL}"]`, (li) => ({
    sport: li.dataset.sport,
    result: li.querySelector('[data-testid="lobby-result"]').textContent,
  }));
  assert.deepEqual(row, { sport: 'football', result: (await getJson(`${mixed.base}/api/matches/${FOOTBALL}`)).result });
  await assertNoHorizontalOverflow(page, 'phone lobby');
  await screenshot(page, 'phone-dark-lobby-sports');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
