// A simulated match played slowly by `livematch demo` (about a ball every
// 1.4 s), viewed in headless chromium: the lobby follows it live, and each
// ball reaches the page's score within 1 s of reaching any WebSocket client.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { getJson, launchBrowser, newPage, startDemo, waitFor } from './harness.mjs';
import { domScorecard, expectedScorecard } from './readers.mjs';

/** A rate as the page prints it: two decimals, or a dash. */
const rate = (v) => (typeof v === 'number' ? v.toFixed(2) : '–');

/** Longest a ball may take from the socket to the score on screen. */
const MAX_LATENCY_MS = 1000;

let demo;
let browser;
let matchId;

before(async () => {
  demo = await startDemo({ simulate: 1, speed: 25, seed: 7 });
  browser = await launchBrowser();
  const live = await waitFor(
    async () => (await getJson(`${demo.base}/api/matches`)).find((e) => e.status === 'live' && e.seq > 0),
    { timeout: 20000, message: 'a live simulated match' },
  );
  matchId = live.id;
});

after(async () => {
  await browser?.close();
  await demo?.proc.stop();
});

test('the lobby updates a live match in place, without reloading', async () => {
  const page = await newPage(browser);
  await page.goto(`${demo.base}/`);
  const row = page.locator(`[data-testid="lobby-row"][data-match-id="${matchId}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-status'), 'live');
  assert.equal((await row.locator('.badge').textContent()).trim(), 'Live');
  assert.match(await page.textContent('[data-testid="lobby-status"]'), /^1 match live$/);
  const summary = row.locator('[data-testid="lobby-summary"]');
  const first = await summary.textContent();
  await waitFor(async () => (await summary.textContent()) !== first, { timeout: 10000, message: 'the lobby summary to change' });
  // And it is the API's summary (both move on every ball: compare until they agree).
  let api;
  let shown;
  await waitFor(
    async () => {
      shown = await summary.textContent();
      api = (await getJson(`${demo.base}/api/matches`)).find((e) => e.id === matchId).summary;
      return shown === api && shown !== first;
    },
    { timeout: 5000, message: 'the lobby summary to equal the API' },
  ).catch((e) => {
    throw new Error(`${e.message}: page "${shown}", api "${api}"`);
  });
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1, 'no reload');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

/**
 * In the page: a second WebSocket client of the same gateway follows the
 * match and, for every ball it receives, records when it arrived and the
 * score it implies; a MutationObserver on the score header records when
 * the page first shows that score (or a later one).
 */
function installProbe(id) {
  return (async () => {
    const { applyPatch } = await import('/js/patch.js');
    const probe = { pending: [], done: [], snap: null, subscribed: false };
    window.__probe = probe;
    const rowText = (team) => {
      const row = [...document.querySelectorAll('[data-testid="team-score"]')].find((r) => r.dataset.team === team);
      return row ? { runs: row.children[1].textContent, overs: row.children[2].textContent } : null;
    };
    const shows = (p) => {
      const t = rowText(p.team);
      return Boolean(t) && t.runs.split(' & ').pop().split(' · ')[0] === p.score && t.overs.startsWith(`(${p.overs}/`);
    };
    const check = () => {
      const now = performance.now();
      // The page shows ball k (or a later one): every earlier ball is on screen too.
      let k = -1;
      probe.pending.forEach((p, i) => {
        if (shows(p)) k = i;
      });
      for (const p of probe.pending.splice(0, k + 1)) probe.done.push({ seq: p.seq, latency: now - p.at, score: p.score, overs: p.overs });
    };
    const ws = new WebSocket(`ws://${location.host}/ws`);
    ws.onopen = () => ws.send(JSON.stringify({ op: 'subscribe', match: id }));
    ws.onmessage = (ev) => {
      const at = performance.now();
      const f = JSON.parse(ev.data);
      if (f.match !== id) return;
      if (f.type === 'snapshot') {
        probe.snap = f.data;
        probe.subscribed = true;
      } else if (f.type === 'event' && probe.snap) {
        probe.snap = applyPatch(probe.snap, f.patch || []);
        if (f.event && f.event.type === 'delivery') {
          const inn = probe.snap.innings[probe.snap.current.innings];
          probe.pending.push({ seq: f.seq, at, team: inn.team, score: `${inn.runs}/${inn.wickets}`, overs: String(inn.overs) });
          check();
        }
      }
    };
    new MutationObserver(check).observe(document.querySelector('[data-testid="score"]'), { subtree: true, childList: true, characterData: true });
  })();
}

test('a ball on the WebSocket updates the page score within 1 s; crease, bowler, chips and scorecard follow the snapshot', async (t) => {
  const page = await newPage(browser);
  await page.goto(`${demo.base}/#/match/${matchId}`);
  await page.waitForSelector(`[data-testid="match"][data-match-id="${matchId}"][data-state="ready"]`);
  await page.evaluate(installProbe, matchId);
  await waitFor(() => page.evaluate(() => window.__probe.subscribed), { message: 'the probe to subscribe' });
  const done = await waitFor(
    async () => {
      const d = await page.evaluate(() => window.__probe.done);
      return d.length >= 4 ? d : null;
    },
    { timeout: 20000, interval: 100, message: 'four balls on screen' },
  );
  const worst = Math.max(...done.map((d) => d.latency));
  t.diagnostic(`socket → screen: ${done.map((d) => `seq ${d.seq} ${d.latency.toFixed(1)} ms`).join(', ')}`);
  assert.ok(worst < MAX_LATENCY_MS, `socket → screen latency: ${done.map((d) => `${d.seq}: ${Math.round(d.latency)} ms`).join(', ')}`);

  // Live page parts against the REST snapshot at the same seq (the match moves
  // on every 1.4 s: compare when the page and the API are at the same seq).
  let last = '';
  await waitFor(
    async () => {
      const snap = await getJson(`${demo.base}/api/matches/${matchId}`);
      const shown = await page.evaluate(() => {
        const t = (sel) => [...document.querySelectorAll(sel)].map((e) => e.textContent.trim());
        const row = (tr) => [...tr.cells].map((c) => c.textContent.trim());
        return {
          seq: Object.values(window.__livematch.lastSeq)[0],
          badge: document.querySelector('[data-testid="match-status"]').textContent.trim(),
          batters: [...document.querySelectorAll('[data-testid="crease-batter"]')].filter((tr) => tr.dataset.name).map(row),
          bowler: row(document.querySelector('[data-testid="crease-bowler"]')),
          thisOver: t('[data-testid="this-over"] .chip [aria-hidden="true"]'),
          recent: t('[data-testid="recent"] .chip [aria-hidden="true"]'),
          crr: document.querySelector('[data-rate="crr"]').textContent,
        };
      });
      const card = await domScorecard(page);
      const again = await getJson(`${demo.base}/api/matches/${matchId}`);
      if (shown.seq !== snap.seq || again.seq !== snap.seq) return false;
      const cur = snap.current;
      const chip = (c) => (c === '0' ? '•' : c);
      const want = {
        seq: snap.seq,
        badge: 'Live',
        batters: [cur.striker, cur.non_striker]
          .map((b, k) => b && [`${b.name}${k === 0 ? ' *' : ''}`, String(b.runs), String(b.balls), String(b.fours), String(b.sixes), rate(b.strike_rate)])
          .filter(Boolean),
        bowler: cur.bowler ? [cur.bowler.name, String(cur.bowler.overs), String(cur.bowler.maidens), String(cur.bowler.runs), String(cur.bowler.wickets), rate(cur.bowler.economy)] : ['', '', '', '', '', ''],
        thisOver: cur.this_over.map(chip),
        recent: cur.recent.map(chip),
        crr: rate(cur.run_rate),
      };
      try {
        assert.deepEqual(shown, want);
        assert.deepEqual(card, expectedScorecard(snap));
        return true;
      } catch (e) {
        last = e.message;
        return false;
      }
    },
    { timeout: 15000, interval: 100, message: 'the live page to equal the snapshot at the same seq' },
  ).catch((e) => {
    throw new Error(`${e.message}\n${last}`);
  });
  assert.equal(await page.getAttribute('[data-testid="conn"]', 'data-state'), 'connected');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the browser going offline and back: the indicator says so, then the page resumes and catches up', async () => {
  const page = await newPage(browser);
  await page.goto(`${demo.base}/#/match/${matchId}`);
  await page.waitForSelector(`[data-testid="match"][data-match-id="${matchId}"][data-state="ready"]`);
  await page.waitForSelector('[data-testid="conn"][data-state="connected"]');
  assert.equal((await page.textContent('#conn-label')).trim(), 'Live');
  await page.context().setOffline(true);
  await page.waitForSelector('[data-testid="conn"][data-state="offline"]', { timeout: 5000 });
  assert.match(await page.textContent('#conn-label'), /^Offline/);
  assert.ok(await page.isVisible('#conn-retry'));
  const seqOffline = await page.evaluate((m) => window.__livematch.lastSeq[m], matchId);
  // A couple of balls go by.
  await waitFor(async () => (await getJson(`${demo.base}/api/matches/${matchId}`)).seq >= seqOffline + 2, { timeout: 15000, message: 'two more events' });
  await page.context().setOffline(false);
  await page.waitForSelector('[data-testid="conn"][data-state="connected"]', { timeout: 10000 });
  // Caught up: the page and the API agree on the seq and the score.
  await waitFor(
    async () => {
      const snap = await getJson(`${demo.base}/api/matches/${matchId}`);
      const seq = await page.evaluate((m) => window.__livematch.lastSeq[m], matchId);
      if (seq !== snap.seq) return false;
      const inn = snap.innings[snap.innings.length - 1];
      const rowText = await page.$eval(`[data-testid="team-score"][data-team="${inn.team}"]`, (r) => r.children[1].textContent);
      return rowText.includes(`${inn.runs}/${inn.wickets}`);
    },
    { timeout: 10000, interval: 50, message: 'the page to catch up after going online' },
  );
  const stats = await page.evaluate(() => window.__livematch.stats);
  assert.equal(stats.patchErrors, 0);
  assert.equal(stats.resyncs, 0, 'resumed from the last seq, no fresh snapshot needed');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
