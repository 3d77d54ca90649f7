// A real match replayed by `livematch demo` (Cricsheet 1175365: KKR v DC,
// IPL 2019, a tie decided by a super over) next to a simulated one, viewed
// in headless chromium: the lobby, the deep link, the scorecard, charts and
// commentary against the gateway's REST snapshot; navigation; phone size
// with the dark and light themes.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertCharts, assertCommentary, assertFinished, assertNoHorizontalOverflow, assertScorecard, luminance } from './checks.mjs';
import { cricsheet, get, getJson, launchBrowser, newPage, screenshot, startDemo, waitFor } from './harness.mjs';

const REPLAY = '1175365';

let demo;
let browser;

before(async () => {
  // Fast enough that the replay is over in a few seconds.
  demo = await startDemo({ replay: [cricsheet(`${REPLAY}.json`)], simulate: 1, speed: 2500, seed: 300 });
  browser = await launchBrowser();
  await waitFor(async () => (await get(`${demo.base}/api/matches/${REPLAY}`)).body?.status === 'completed', {
    timeout: 60000,
    interval: 200,
    message: `replay ${REPLAY} to complete`,
  }).catch((e) => {
    throw new Error(`${e.message}\n${demo.proc.log()}`);
  });
});

after(async () => {
  await browser?.close();
  await demo?.proc.stop();
});

async function openMatch(page, id) {
  await page.goto(`${demo.base}/#/match/${encodeURIComponent(id)}`);
  await page.waitForSelector(`[data-testid="match"][data-match-id="${id}"][data-state="ready"]`);
}

/** Lobby rows as shown, in page order. */
function lobbyRows(page) {
  return page.$$eval('[data-testid="lobby-row"]', (rows) =>
    rows.map((li) => ({
      id: li.dataset.matchId,
      status: li.dataset.status,
      summary: li.querySelector('[data-testid="lobby-summary"]').textContent,
      result: li.querySelector('[data-testid="lobby-result"]').hidden ? null : li.querySelector('[data-testid="lobby-result"]').textContent,
    })),
  );
}

test('the lobby lists every match of the API, in its order, with status, score and result', async () => {
  const page = await newPage(browser);
  await page.goto(`${demo.base}/`);
  await page.waitForSelector(`[data-testid="lobby-row"][data-match-id="${REPLAY}"]`);
  // Simulated matches keep playing: compare until the page and the API agree.
  let api;
  let shown;
  await waitFor(
    async () => {
      api = await getJson(`${demo.base}/api/matches`);
      shown = await lobbyRows(page);
      // A live simulated score changes every few milliseconds at this speed:
      // its summary is compared in live.test.mjs; everything else exactly.
      const stable = (rows) => rows.map((r) => (r.status === 'live' ? { ...r, summary: '(live)' } : r));
      const want = api.map((e) => ({ id: e.id, status: e.status, summary: e.summary, result: e.result ?? null }));
      try {
        assert.deepEqual(stable(shown), stable(want));
        return true;
      } catch {
        return false;
      }
    },
    { timeout: 10000, message: 'the lobby to equal GET /api/matches' },
  ).catch((e) => {
    throw new Error(`${e.message}\npage: ${JSON.stringify(shown)}\napi: ${JSON.stringify(api)}`);
  });
  assert.ok(shown.length >= 2, 'the replay and a simulated match are listed');
  assert.ok(shown.some((r) => r.id === REPLAY && r.status === 'completed' && r.result), 'the finished replay shows its result');
  assert.ok(shown.some((r) => r.id.startsWith('sim-')), 'the simulated match is listed');
  // Sections in the API's order: live, then upcoming, then results.
  const title = { live: 'Live now', scheduled: 'Upcoming', completed: 'Results', abandoned: 'Results' };
  const sections = await page.$$eval('.lobby-section:not([hidden]) h2', (hs) => hs.map((x) => x.textContent));
  const statuses = shown.map((r) => title[r.status]);
  assert.deepEqual(sections, statuses.filter((x, i) => statuses.indexOf(x) === i));
  assert.ok(sections.includes('Results'));
  await screenshot(page, 'lobby');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a /match/{id} deep link opens the replayed match: header, totals, batters and bowlers equal the snapshot', async () => {
  const page = await newPage(browser);
  await page.goto(`${demo.base}/match/${REPLAY}`);
  await page.waitForSelector(`[data-testid="match"][data-match-id="${REPLAY}"][data-state="ready"]`);
  const url = new URL(page.url());
  assert.equal(url.pathname, '/', 'the deep link becomes the hash route');
  assert.equal(url.hash, `#/match/${REPLAY}`);
  const snap = await getJson(`${demo.base}/api/matches/${REPLAY}`);
  await waitFor(async () => (await page.evaluate((id) => window.__livematch.lastSeq[id], REPLAY)) === snap.seq, {
    message: 'the page to hold the final seq',
  });
  await assertScorecard(page, snap);
  await assertFinished(page, snap);
  // Two innings each and a super over each: four tabs, the last two labelled as super overs.
  const tabs = await page.$$eval('[data-testid="innings-tab"]', (ts) => ts.map((t) => ({ text: t.textContent, so: t.dataset.superOver === 'true', selected: t.getAttribute('aria-selected') })));
  assert.equal(tabs.length, snap.innings.length);
  assert.deepEqual(tabs.map((t) => t.so), snap.innings.map((i) => Boolean(i.super_over)));
  for (const t of tabs.filter((x) => x.so)) assert.match(t.text, /^Super Over/);
  assert.equal(tabs[tabs.length - 1].selected, 'true', 'the latest innings is shown first');
  // Choosing another innings shows its panel.
  await page.click('[data-testid="innings-tab"][data-innings="0"]');
  assert.ok(await page.isVisible('[data-testid="innings"][data-innings="0"]'));
  assert.equal(await page.isVisible(`[data-testid="innings"][data-innings="${snap.innings.length - 1}"]`), false);
  assert.equal(
    await page.$$eval('[data-testid="innings"][data-innings="0"] [data-testid="batting-row"]', (r) => r.length),
    snap.innings[0].batting.length,
  );
  await assertCommentary(page, snap, demo.base);
  await page.click('[data-testid="innings-tab"][data-innings="1"]');
  await screenshot(page, 'completed-match', { fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('charts have one worm point and one Manhattan bar per over, with the snapshot values', async () => {
  const page = await newPage(browser);
  await openMatch(page, REPLAY);
  const snap = await getJson(`${demo.base}/api/matches/${REPLAY}`);
  await page.locator('#charts').scrollIntoViewIfNeeded();
  await assertCharts(page, snap);
  await screenshot(page, 'charts', { clip: await page.locator('#charts').boundingBox() });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('lobby → match → back: links and browser history navigate without reloading', async () => {
  const page = await newPage(browser);
  await page.goto(`${demo.base}/`);
  await page.click(`[data-testid="lobby-row"][data-match-id="${REPLAY}"] a`);
  await page.waitForSelector(`[data-testid="match"][data-match-id="${REPLAY}"][data-state="ready"]`);
  assert.equal(new URL(page.url()).hash, `#/match/${REPLAY}`);
  const navigations = await page.evaluate(() => performance.getEntriesByType('navigation').length);
  await page.click('a.back');
  await page.waitForSelector(`[data-testid="lobby-row"][data-match-id="${REPLAY}"]`);
  await page.goBack();
  await page.waitForSelector(`[data-testid="match"][data-match-id="${REPLAY}"][data-state="ready"]`);
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), navigations, 'no page reload');
  // Only the open match is subscribed.
  assert.deepEqual(await page.evaluate(() => Object.keys(window.__livematch.snapshots)), [REPLAY]);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('phone size in dark and light: one column, no horizontal scrolling, the theme toggle sticks', async () => {
  const page = await newPage(browser, {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    colorScheme: 'dark',
  });
  await page.goto(`${demo.base}/`);
  await page.waitForSelector(`[data-testid="lobby-row"][data-match-id="${REPLAY}"]`);
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const fg = () => page.evaluate(() => getComputedStyle(document.body).color);
  assert.ok(luminance(await bg()) < 0.05, `dark system theme: dark background (${await bg()})`);
  assert.ok(luminance(await fg()) > 0.5, `dark system theme: light text (${await fg()})`);
  await assertNoHorizontalOverflow(page, 'phone lobby');
  await screenshot(page, 'phone-dark-lobby');

  await page.click(`[data-testid="lobby-row"][data-match-id="${REPLAY}"] a`);
  await page.waitForSelector(`[data-testid="match"][data-match-id="${REPLAY}"][data-state="ready"]`);
  await assertNoHorizontalOverflow(page, 'phone match page');
  // One column: the commentary comes after the scorecard, not beside it.
  const main = await page.locator('.match-main').boundingBox();
  const side = await page.locator('.match-side').boundingBox();
  assert.ok(side.y >= main.y + main.height - 1, `commentary below the main column (main ${JSON.stringify(main)}, side ${JSON.stringify(side)})`);
  assert.ok(main.width <= 390 && side.width <= 390);
  // The tab strip scrolls sideways on a phone: the selected (latest) tab is in view.
  const strip = await page.locator('[data-testid="innings-tabs"]').boundingBox();
  const selected = await page.locator('[data-testid="innings-tab"][aria-selected="true"]').boundingBox();
  assert.ok(selected.x >= strip.x - 1 && selected.x + selected.width <= strip.x + strip.width + 1, `selected tab ${JSON.stringify(selected)} inside the strip ${JSON.stringify(strip)}`);
  const svg = await page.locator('[data-testid="worm"] svg').boundingBox();
  assert.ok(svg.width > 200 && svg.x >= 0 && svg.x + svg.width <= 390, `worm fits the phone: ${JSON.stringify(svg)}`);
  await screenshot(page, 'phone-dark-match');
  await page.locator('#charts').scrollIntoViewIfNeeded();
  await screenshot(page, 'phone-dark-charts');
  await page.evaluate(() => window.scrollTo(0, 0));

  // The toggle: auto → light → dark, remembered across a reload.
  assert.equal(await page.getAttribute('#theme', 'data-theme'), 'auto');
  await page.click('#theme');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
  assert.ok(luminance(await bg()) > 0.8, `light theme: light background (${await bg()})`);
  await assertNoHorizontalOverflow(page, 'phone match page, light');
  await screenshot(page, 'phone-light-match');
  await page.click('#theme');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  await page.reload();
  await page.waitForSelector(`[data-testid="match"][data-match-id="${REPLAY}"][data-state="ready"]`);
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark', 'the chosen theme survives a reload');
  assert.ok(luminance(await bg()) < 0.05);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('desktop: the commentary sits beside the scorecard', async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  await openMatch(page, REPLAY);
  await assertNoHorizontalOverflow(page, 'desktop match page');
  const main = await page.locator('.match-main').boundingBox();
  const side = await page.locator('.match-side').boundingBox();
  assert.ok(side.x >= main.x + main.width - 1, 'commentary column right of the main column');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

/**
 * The id the demo gives its next simulated match (demo.rs: match i uses
 * seed + i, an ODI every third match).
 */
function nextSimId(current, firstSeed) {
  const seed = Number(/^sim-(?:t20|odi)-(\d+)$/.exec(current)[1]) + 1;
  return `sim-${(seed - firstSeed) % 3 === 2 ? 'odi' : 't20'}-${seed}`;
}

test('a match that has not started: the deep link waits for it, the lobby adds it, both go live without a reload', async (t) => {
  const live = await waitFor(async () => (await getJson(`${demo.base}/api/matches`)).find((e) => e.status === 'live'), {
    message: 'a live simulated match',
  });
  const next = nextSimId(live.id, 300);
  assert.equal((await get(`${demo.base}/api/matches/${next}`)).status, 404, `${next} has not started yet`);
  const matchPage = await newPage(browser);
  await matchPage.goto(`${demo.base}/match/${next}`);
  await matchPage.waitForSelector(`[data-testid="match"][data-match-id="${next}"][data-state="empty"]`);
  const lobby = await newPage(browser);
  await lobby.goto(`${demo.base}/`);
  await lobby.waitForSelector(`[data-testid="lobby-row"][data-match-id="${live.id}"]`);
  assert.equal(await lobby.$(`[data-testid="lobby-row"][data-match-id="${next}"]`), null);

  await lobby.waitForSelector(`[data-testid="lobby-row"][data-match-id="${next}"]`, { timeout: 30000 });
  await matchPage.waitForSelector(`[data-testid="match"][data-match-id="${next}"][data-state="ready"]`, { timeout: 10000 });
  // It plays on to the end on the page that was opened before it existed.
  const final = await waitFor(
    async () => {
      const s = (await get(`${demo.base}/api/matches/${next}`)).body;
      return s && s.status === 'completed' ? s : null;
    },
    { timeout: 40000, interval: 200, message: `${next} to finish` },
  );
  await waitFor(async () => (await matchPage.evaluate((m) => window.__livematch.lastSeq[m], next)) === final.seq, {
    message: 'the page to reach the final seq',
  });
  await matchPage.waitForSelector('[data-testid="match-status"][data-status="completed"]');
  await assertScorecard(matchPage, final);
  await assertFinished(matchPage, final);
  await assertCommentary(matchPage, final, demo.base);
  const stats = await matchPage.evaluate(() => window.__livematch.stats);
  t.diagnostic(`client stats: ${JSON.stringify(stats)}`);
  assert.equal(stats.patchErrors, 0);
  assert.equal(stats.resyncs, 0, 'the first event builds the document: no second snapshot needed');
  for (const p of [matchPage, lobby]) {
    assert.equal(await p.evaluate(() => performance.getEntriesByType('navigation').length), 1, 'no reload');
    assert.deepEqual(p.problems, []);
    await p.context().close();
  }
});
