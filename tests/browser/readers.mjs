// What the match page shows (read from the DOM through its data-testid
// hooks) and what it should show (derived from the gateway's REST
// snapshot), in the same shape so tests can deepEqual them.

import { get } from './harness.mjs';

/** Numbers as displayed: "12" → 12; anything else stays text. */
const n = (s) => (/^-?\d+$/.test(String(s).trim()) ? Number(String(s).trim()) : String(s).trim());
/** A name cell without the "on strike" / "bowling now" marker. */
const unstar = (s) => String(s).replace(/\s*\*$/, '').trim();

/** Every innings panel of the scorecard: totals, batters and bowlers as shown. */
export function domScorecard(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="innings"]')].map((panel) => {
      const text = (el) => (el ? el.textContent.trim() : null);
      return {
        innings: Number(panel.dataset.innings),
        superOver: panel.dataset.superOver === 'true',
        total: text(panel.querySelector('[data-testid="innings-total"]').cells[1]),
        batting: [...panel.querySelectorAll('[data-testid="batting-row"]')].map((tr) => ({
          name: text(tr.cells[0].querySelector('.who')),
          dismissal: text(tr.cells[0].querySelector('.how')),
          runs: text(tr.cells[1]),
          balls: text(tr.cells[2]),
          fours: text(tr.cells[3]),
          sixes: text(tr.cells[4]),
        })),
        bowling: [...panel.querySelectorAll('[data-testid="bowling-row"]')].map((tr) => ({
          name: text(tr.cells[0]),
          overs: text(tr.cells[1]),
          maidens: text(tr.cells[2]),
          runs: text(tr.cells[3]),
          wickets: text(tr.cells[4]),
        })),
      };
    }),
  ).then((panels) =>
    panels.map((p) => ({
      ...p,
      batting: p.batting.map((b) => ({ ...b, name: unstar(b.name), runs: n(b.runs), balls: n(b.balls), fours: n(b.fours), sixes: n(b.sixes) })),
      bowling: p.bowling.map((b) => ({ ...b, name: unstar(b.name), maidens: n(b.maidens), runs: n(b.runs), wickets: n(b.wickets) })),
    })),
  );
}

/** The scorecard a snapshot describes, shaped like `domScorecard`. */
export function expectedScorecard(snap) {
  return (snap.innings || []).map((inn, i) => ({
    innings: i,
    superOver: Boolean(inn.super_over),
    total: `${inn.runs}/${inn.wickets}`,
    batting: (inn.batting || []).map((b) => ({
      name: b.name,
      dismissal: b.dismissal == null ? '' : String(b.dismissal),
      runs: b.runs,
      balls: b.balls,
      fours: b.fours,
      sixes: b.sixes,
    })),
    bowling: (inn.bowling || []).map((b) => ({
      name: b.name,
      overs: String(b.overs),
      maidens: b.maidens,
      runs: b.runs,
      wickets: b.wickets,
    })),
  }));
}

/** The header's team rows: {team → text of the runs cell}. */
export function domTeamScores(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-testid="team-score"]')].map((row) => [row.dataset.team, row.children[1].textContent.trim()]),
    ),
  );
}

/** Commentary items as shown, newest first: [{seq, kind, text}]. */
export function domCommentary(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="commentary-item"]')].map((li) => ({
      seq: Number(li.dataset.seq),
      kind: li.dataset.kind,
      text: (li.querySelector('.comm-text') || li).textContent.trim(),
    })),
  );
}

/** Chart marks per innings: worm points, Manhattan bars and wicket marks, with geometry. */
export function domCharts(page) {
  return page.evaluate(() => {
    const marks = (testid) =>
      [...document.querySelectorAll(`[data-testid="${testid}"]`)].map((el) => {
        const box = el.getBoundingClientRect();
        return {
          innings: Number(el.dataset.innings),
          over: Number(el.dataset.over),
          runs: el.dataset.runs == null ? null : Number(el.dataset.runs),
          wickets: el.dataset.wickets == null ? null : Number(el.dataset.wickets),
          x: box.x,
          y: box.y,
          width: box.width,
          height: box.height,
        };
      });
    return {
      wormPoints: marks('worm-point'),
      wormWickets: marks('worm-wicket'),
      bars: marks('manhattan-bar'),
      barWickets: marks('manhattan-wicket'),
    };
  });
}

/** Every event frame of a match from the REST log (paged). */
export async function eventLog(base, id) {
  const frames = [];
  for (let since = 0; ; ) {
    const { status, body } = await get(`${base}/api/matches/${encodeURIComponent(id)}/events?since=${since}&limit=1000`);
    if (status !== 200) throw new Error(`events of ${id} after ${since}: ${status} ${JSON.stringify(body)}`);
    if (body.events.length === 0) return frames;
    frames.push(...body.events);
    since = body.events[body.events.length - 1].seq;
  }
}

/** The last seq the page applied for match `id` (null: none). */
export async function pageSeq(page, id) {
  return page.evaluate((m) => window.__livematch.lastSeq[m] ?? null, id);
}

/** Resolve after two animation frames (the page renders in the next frame). */
export function frames(page) {
  return page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}
