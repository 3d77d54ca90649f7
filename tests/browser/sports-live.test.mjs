// One simulated football, basketball and tennis match played by
// `livematch demo`, viewed live in headless chromium: the lobby lists each
// with its sport, and each match page follows its match event by event,
// equal to the REST snapshot at the same seq (score, clock or period,
// timeline / play-by-play / point-by-point, stats, line-ups, box score,
// lead tracker), updated in place and resuming after going offline.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { footballClock } from '../../public/js/clock.js';
import { getJson, launchBrowser, newPage, screenshot, startDemo, waitFor } from './harness.mjs';
import { assertPageEqualsSnapshot, expectBasketball, expectFootball, expectTennis, readBasketball, readFootball, readTennis } from './sport-readers.mjs';

const SPORTS = ['football', 'basketball', 'tennis'];
const VIEWS = {
  football: [readFootball, expectFootball],
  basketball: [readBasketball, expectBasketball],
  tennis: [readTennis, expectTennis],
};

let demo;
let browser;
/** sport → the id of its live match. */
const ids = {};

before(async () => {
  // Events every second or two (a football half lasts 90 s): slow enough to
  // compare the page and the API at the same seq, fast enough to see many
  // events while no match ends during the tests.
  demo = await startDemo({ sports: SPORTS, simulate: null, speed: 30, seed: 5 });
  browser = await launchBrowser();
  await waitFor(
    async () => {
      const list = await getJson(`${demo.base}/api/matches`);
      for (const s of SPORTS) {
        const m = list.find((e) => e.sport === s && e.status === 'live' && e.seq > 2);
        if (m) ids[s] = m.id;
      }
      return SPORTS.every((s) => ids[s]);
    },
    { timeout: 30000, message: 'a live match of every sport' },
  ).catch((e) => {
    throw new Error(`${e.message}\n${demo.proc.log()}`);
  });
});

after(async () => {
  await browser?.close();
  await demo?.proc.stop();
});

test('the lobby lists every sport\'s match with its sport and summary; the sport filter shows one sport', async () => {
  const page = await newPage(browser);
  await page.goto(`${demo.base}/`);
  for (const s of SPORTS) await page.waitForSelector(`[data-testid="lobby-row"][data-match-id="${ids[s]}"]`);
  const rows = () => page.$$eval('[data-testid="lobby-row"]', (lis) => lis.map((li) => ({
    id: li.dataset.matchId,
    sport: li.dataset.sport,
    label: li.querySelector('[data-testid="lobby-sport"]').textContent.trim(),
    status: li.dataset.status,
    visible: !li.hidden,
    summary: li.querySelector('[data-testid="lobby-summary"]').textContent,
    aria: li.querySelector('a').getAttribute('aria-label'),
  })));
  // Each row's summary is the API's (live ones move: compare until they agree).
  let shown;
  let api;
  await waitFor(
    async () => {
      api = await getJson(`${demo.base}/api/matches`);
      shown = await rows();
      return api.every((e) => shown.some((r) => r.id === e.id && r.summary === e.summary && r.sport === e.sport));
    },
    { timeout: 10000, interval: 50, message: 'the lobby to equal GET /api/matches' },
  ).catch((e) => {
    throw new Error(`${e.message}\npage: ${JSON.stringify(shown)}\napi: ${JSON.stringify(api)}`);
  });
  const label = { football: 'Football', basketball: 'Basketball', tennis: 'Tennis' };
  for (const s of SPORTS) {
    const r = shown.find((x) => x.id === ids[s]);
    assert.equal(r.sport, s);
    assert.equal(r.label, label[s]);
    assert.ok(r.aria.startsWith(`${label[s]}, `), `the link names the sport first: ${r.aria}`);
    assert.ok(r.visible);
  }
  assert.match(await page.textContent('[data-testid="lobby-status"]'), /^3 matches live$/);
  await screenshot(page, 'lobby-sports');

  // The filter: keyboard to "Tennis", then only tennis rows are shown.
  const buttons = await page.$$eval('[data-testid="lobby-filter"] button', (bs) => bs.map((b) => [b.textContent.trim(), b.getAttribute('aria-pressed')]));
  assert.deepEqual(buttons, [['All sports', 'true'], ['Football', 'false'], ['Basketball', 'false'], ['Tennis', 'false']]);
  await page.focus('[data-testid="lobby-filter"] button[data-sport="tennis"]');
  await page.keyboard.press('Enter');
  const filtered = await rows();
  assert.deepEqual(filtered.filter((r) => r.visible).map((r) => r.sport), filtered.filter((r) => r.sport === 'tennis').map(() => 'tennis'));
  assert.ok(filtered.some((r) => !r.visible), 'other sports hidden');
  assert.equal(await page.getAttribute('[data-testid="lobby-filter"] button[data-sport="tennis"]', 'aria-pressed'), 'true');
  assert.match(await page.textContent('[data-testid="lobby-status"]'), /^1 match live$/);
  await page.click('[data-testid="lobby-filter"] button[data-sport="all"]');
  assert.equal((await rows()).filter((r) => !r.visible).length, 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

for (const sport of SPORTS) {
  test(`${sport}: the live page equals the REST snapshot at the same seq, event after event, updated in place`, async (t) => {
    const page = await newPage(browser);
    const id = ids[sport];
    const [read, expect] = VIEWS[sport];
    await page.goto(`${demo.base}/#/match/${id}`);
    await page.waitForSelector(`[data-testid="match"][data-match-id="${id}"][data-sport="${sport}"][data-state="ready"]`);
    const first = await assertPageEqualsSnapshot(page, demo.base, id, read, expect);
    // Mark what is on screen: live updates must change it in place, not rebuild it.
    await page.evaluate(() => {
      for (const el of document.querySelectorAll('[data-testid="side-score"], [data-testid="scoreboard-row"], [data-testid="commentary-item"], [data-testid="pbp-item"], [data-testid="timeline-item"], [data-testid="pbp-game"]')) el.__kept = true;
      window.__marked = document.querySelectorAll('[data-testid="commentary-item"], [data-testid="pbp-item"]').length;
    });
    await waitFor(async () => (await getJson(`${demo.base}/api/matches/${id}`)).seq >= first.seq + 5, { timeout: 60000, message: 'five more events' });
    const later = await assertPageEqualsSnapshot(page, demo.base, id, read, expect);
    t.diagnostic(`${id}: compared at seq ${first.seq} and ${later.seq}`);
    const kept = await page.evaluate(() => {
      const feed = [...document.querySelectorAll('[data-testid="commentary-item"], [data-testid="pbp-item"]')];
      return {
        scores: [...document.querySelectorAll('[data-testid="side-score"], [data-testid="scoreboard-row"]')].every((el) => el.__kept),
        oldItemsKept: feed.filter((el) => el.__kept).length,
        newItems: feed.filter((el) => !el.__kept).length,
        marked: window.__marked,
      };
    });
    assert.ok(kept.scores, 'the score elements are the same nodes');
    assert.equal(kept.oldItemsKept, kept.marked, 'every feed entry already shown stayed the same node');
    assert.equal(kept.newItems, later.commentary.length - first.commentary.length, 'one new entry per new event');
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1, 'no reload');
    const stats = await page.evaluate(() => window.__livematch.stats);
    assert.equal(stats.patchErrors, 0);
    assert.equal(stats.resyncs, 0);
    await screenshot(page, `${sport}-live`);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
}

test('football: the clock runs on between events from the snapshot\'s clock fields', async () => {
  const page = await newPage(browser);
  const id = ids.football;
  // The demo plays 30 times faster than real time, so wall time since the
  // period's kick-off is always behind the last event and the page shows
  // the event's minute (checked above). A browser clock two hours ahead
  // puts wall time past the period's end: the clock must run on to it.
  await page.addInitScript(() => {
    const now = Date.now.bind(Date);
    Date.now = () => now() + 2 * 3600e3;
  });
  await page.goto(`${demo.base}/#/match/${id}`);
  await page.waitForSelector(`[data-testid="match"][data-match-id="${id}"][data-state="ready"]`);
  const r = await waitFor(async () => {
    const snap = await getJson(`${demo.base}/api/matches/${id}`);
    if (!snap.clock.running || snap.clock.minute >= snap.clock.to) return null;
    const shown = await page.evaluate((m) => ({
      label: document.querySelector('[data-testid="clock"]').textContent,
      running: document.querySelector('[data-testid="clock"]').dataset.running,
      seq: window.__livematch.lastSeq[m],
      now: Date.now(),
    }), id);
    return shown.seq === snap.seq ? { snap, shown } : null;
  }, { timeout: 30000, interval: 50, message: 'a running clock before the end of a period, at the same seq' });
  const { clock } = r.snap;
  // Wall time is past the regular end: the clock stands at it, plus the stoppage announced.
  const want = clock.stoppage ? `${clock.to}+${clock.stoppage}'` : `${clock.to}'`;
  assert.equal(r.shown.label, want, `clock ${JSON.stringify(clock)}`);
  assert.equal(footballClock(clock, r.shown.now).label, want);
  assert.notEqual(r.shown.label, clock.label, 'not the last event\'s minute');
  assert.equal(r.shown.running, 'true');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('going offline and back: every sport\'s page resumes from its last seq and catches up', async () => {
  const page = await newPage(browser);
  await page.goto(`${demo.base}/`);
  await page.waitForSelector('[data-testid="conn"][data-state="connected"]');
  for (const sport of SPORTS) {
    // In-app navigation from match to match (one page, one socket).
    const m = ids[sport];
    await page.evaluate((x) => {
      location.hash = `#/match/${x}`;
    }, m);
    await page.waitForSelector(`[data-testid="match"][data-match-id="${m}"][data-sport="${sport}"][data-state="ready"]`);
    await page.waitForSelector('[data-testid="conn"][data-state="connected"]');
    await page.context().setOffline(true);
    await page.waitForSelector('[data-testid="conn"][data-state="offline"]', { timeout: 5000 });
    const seqOffline = await page.evaluate((x) => window.__livematch.lastSeq[x], m);
    await waitFor(async () => (await getJson(`${demo.base}/api/matches/${m}`)).seq >= seqOffline + 2, { timeout: 60000, message: `two more ${sport} events after seq ${seqOffline}` });
    await page.context().setOffline(false);
    await page.waitForSelector('[data-testid="conn"][data-state="connected"]', { timeout: 10000 });
    const [read, expect] = VIEWS[sport];
    await assertPageEqualsSnapshot(page, demo.base, m, read, expect);
  }
  const stats = await page.evaluate(() => window.__livematch.stats);
  assert.equal(stats.patchErrors, 0);
  assert.equal(stats.resyncs, 0, 'resumed from the last seq, no fresh snapshot needed');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
