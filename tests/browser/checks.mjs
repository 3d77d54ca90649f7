// Assertions shared by the browser tests: the match page against the
// gateway's REST snapshot and event log.

import assert from 'node:assert/strict';

import { domCharts, domCommentary, domScorecard, domTeamScores, eventLog, expectedScorecard } from './readers.mjs';

/**
 * The header, the result banner and every scorecard panel equal the
 * snapshot: totals, every batter (runs, balls, 4s, 6s, dismissal) and every
 * bowler (overs, maidens, runs, wickets).
 */
export async function assertScorecard(page, snap) {
  assert.equal((await page.textContent('#match-h')).trim(), snap.title, 'page title = snapshot title');
  const card = await domScorecard(page);
  assert.deepEqual(card, expectedScorecard(snap), 'scorecard on the page = REST snapshot');
  // Fall of wickets, partnerships and who did not bat, per innings.
  const extra = await page.$$eval('[data-testid="innings"]', (panels) =>
    panels.map((p) => ({
      fow: p.querySelector('[data-testid="fow"]').textContent,
      pships: [...p.querySelectorAll('[data-testid="partnership-row"]')].map((tr) => [...tr.cells].map((c) => c.textContent.trim())),
      dnb: p.querySelector('[data-testid="did-not-bat"]').hidden ? '' : p.querySelector('[data-testid="did-not-bat"]').textContent,
    })),
  );
  snap.innings.forEach((inn, i) => {
    for (const f of inn.fow) assert.ok(extra[i].fow.includes(`${f.wicket}-${f.runs} (${f.player}, ${f.over} ov)`), `innings ${i} fall of wicket ${f.wicket}: ${extra[i].fow}`);
    assert.deepEqual(
      extra[i].pships.map((r) => [r[1], r[2].replace('*', ''), r[3]]),
      inn.partnerships.map((p) => [`${p.batter1} ${p.batter1_runs}, ${p.batter2} ${p.batter2_runs}`, String(p.runs), String(p.balls)]),
      `partnerships of innings ${i}`,
    );
    const squad = snap.squads[snap.teams.indexOf(inn.team)] || [];
    const batted = new Set(inn.batting.map((b) => b.name));
    for (const name of squad.filter((x) => !batted.has(x))) {
      if (!inn.super_over && inn.wickets < 10) assert.ok(extra[i].dnb.includes(name), `innings ${i}: ${name} did not bat`);
    }
  });
  // Header: each team's row shows each of its innings totals.
  const teams = await domTeamScores(page);
  assert.deepEqual(Object.keys(teams).sort(), [...snap.teams].sort(), 'one header row per team');
  for (const inn of snap.innings) {
    assert.ok(
      teams[inn.team].split(/ & | · |, |SO /).map((s) => s.trim()).includes(`${inn.runs}/${inn.wickets}`),
      `header row of ${inn.team} shows ${inn.runs}/${inn.wickets}: ${teams[inn.team]}`,
    );
  }
}

/** A finished match: status badge, result banner, toss line, no crease box. */
export async function assertFinished(page, snap) {
  assert.equal(snap.status, 'completed');
  assert.equal(await page.getAttribute('[data-testid="match-status"]', 'data-status'), 'completed');
  assert.equal((await page.textContent('[data-testid="match-status"]')).trim(), 'Finished');
  assert.ok(await page.isVisible('[data-testid="result"]'), 'result banner visible');
  assert.equal((await page.textContent('[data-testid="result"]')).trim(), snap.result);
  assert.equal((await page.textContent('[data-testid="toss"]')).trim(), `Toss: ${snap.toss}`);
  assert.equal(await page.isVisible('[data-testid="crease"]'), false, 'nobody at the crease after the match');
}

/**
 * The commentary list (newest first) is exactly the snapshot's, with no
 * duplicate, and every event of the REST log has its line: nothing missing.
 */
export async function assertCommentary(page, snap, base) {
  const shown = await domCommentary(page);
  const seqs = shown.map((c) => c.seq);
  assert.equal(new Set(seqs).size, seqs.length, `no duplicated commentary (${seqs.length} items)`);
  assert.deepEqual(seqs, snap.commentary.map((c) => c.seq).reverse(), 'commentary = snapshot commentary, newest first');
  const bySeq = new Map(snap.commentary.map((c) => [c.seq, c]));
  for (const c of shown) {
    const want = bySeq.get(c.seq);
    assert.equal(c.kind, want.kind, `kind of commentary ${c.seq}`);
    assert.ok(c.text.length > 0 && want.text.endsWith(c.text), `commentary ${c.seq}: page "${c.text}" vs snapshot "${want.text}"`);
  }
  // An "End of over" line after the last ball of every completed over.
  const bpo = snap.balls_per_over || 6;
  const summaries = await page.$$eval('[data-testid="over-summary"]', (els) => els.map((e) => `${e.dataset.innings}:${e.dataset.over}`));
  const complete = snap.innings.flatMap((inn, i) => inn.overs_detail.filter((o) => o.legal_balls === bpo).map((o) => `${i}:${o.over}`));
  assert.deepEqual([...summaries].reverse(), complete, 'one end-of-over line per completed over');
  const log = await eventLog(base, snap.id);
  assert.equal(log.length, snap.seq, 'the REST log holds every event');
  assert.deepEqual(log.map((f) => f.seq), Array.from({ length: snap.seq }, (_, k) => k + 1), 'log seqs are 1..N');
  const shownSeqs = new Set(seqs);
  const missing = log.filter((f) => f.event && !shownSeqs.has(f.seq)).map((f) => `${f.seq}:${f.event.type}`);
  assert.deepEqual(missing, [], 'every event of the log has a commentary line');
  const deliveries = log.filter((f) => f.event && f.event.type === 'delivery').length;
  assert.equal(shown.filter((c) => c.kind === 'delivery').length, deliveries, 'one commentary line per ball bowled');
}

/**
 * Worm and Manhattan: one point and one bar per over of each main innings
 * (super overs are not charted), values and wicket marks from the
 * snapshot's `overs_detail`, drawn left to right with a visible size.
 */
export async function assertCharts(page, snap) {
  const c = await domCharts(page);
  const main = snap.innings.map((inn, index) => ({ inn, index })).filter(({ inn }) => !inn.super_over).slice(0, 2);
  const charted = new Set(main.map((m) => m.index));
  for (const kind of ['wormPoints', 'bars']) {
    const stray = c[kind].filter((m) => !charted.has(m.innings));
    assert.deepEqual(stray, [], `${kind}: only the main innings are charted`);
  }
  for (const { inn, index } of main) {
    const overs = inn.overs_detail;
    const pts = c.wormPoints.filter((p) => p.innings === index);
    const bars = c.bars.filter((b) => b.innings === index);
    assert.equal(pts.length, overs.length, `worm: one point per over of innings ${index}`);
    assert.equal(bars.length, overs.length, `Manhattan: one bar per over of innings ${index}`);
    assert.deepEqual(pts.map((p) => p.over), overs.map((o) => o.over));
    assert.deepEqual(pts.map((p) => p.runs), overs.map((o) => o.cumulative), `worm values of innings ${index}`);
    assert.deepEqual(bars.map((b) => b.over), overs.map((o) => o.over));
    assert.deepEqual(bars.map((b) => b.runs), overs.map((o) => o.runs), `Manhattan values of innings ${index}`);
    assert.deepEqual(bars.map((b) => b.wickets), overs.map((o) => o.wickets));
    const wkts = overs.reduce((s, o) => s + o.wickets, 0);
    assert.equal(c.barWickets.filter((w) => w.innings === index).length, wkts, `Manhattan wicket marks of innings ${index}`);
    assert.equal(c.wormWickets.filter((w) => w.innings === index).length, overs.filter((o) => o.wickets > 0).length);
    // Drawn: bars left to right, taller for more runs; the worm climbs.
    for (let k = 1; k < bars.length; k += 1) {
      assert.ok(bars[k].x > bars[k - 1].x, `bar of over ${bars[k].over} is right of the previous one`);
      assert.ok(pts[k].x > pts[k - 1].x, `worm point of over ${pts[k].over} is right of the previous one`);
      assert.ok(pts[k].y <= pts[k - 1].y + 0.01, `worm never goes down (over ${pts[k].over})`);
    }
    for (const b of bars) assert.ok(b.width > 0 && b.height > 0, `bar of over ${b.over} is visible`);
    const byRuns = [...bars].sort((a, b) => a.runs - b.runs);
    if (byRuns.length > 1 && byRuns[0].runs < byRuns[byRuns.length - 1].runs) {
      assert.ok(byRuns[byRuns.length - 1].height > byRuns[0].height, 'more runs, taller bar');
    }
  }
}

/** The page scrolls only vertically: nothing sticks out to the right. */
export async function assertNoHorizontalOverflow(page, what) {
  const m = await page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) return false;
        // Inside a horizontally scrolling box is fine (e.g. a wide table).
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
          const ox = getComputedStyle(p).overflowX;
          if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') return false;
        }
        return r.right > vw + 1 || r.left < -1;
      })
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className} (${Math.round(el.getBoundingClientRect().left)}..${Math.round(el.getBoundingClientRect().right)})`);
    return { vw, scrollWidth: document.documentElement.scrollWidth, wide };
  });
  assert.ok(m.scrollWidth <= m.vw, `${what}: page is ${m.scrollWidth}px wide in a ${m.vw}px viewport`);
  assert.deepEqual(m.wide, [], `${what}: elements outside the ${m.vw}px viewport`);
}

/** Relative luminance (0 black … 1 white) of a CSS rgb()/rgba() colour. */
export function luminance(css) {
  const m = /rgba?\(([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)/.exec(css);
  assert.ok(m, `a CSS colour: ${css}`);
  const [r, g, b] = m.slice(1, 4).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
