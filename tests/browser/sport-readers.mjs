// Football, basketball and tennis pages: what the page shows (read from
// the DOM through its data-testid hooks) and what it should show (derived
// from the gateway's REST snapshot), in the same shape so tests can
// deepEqual them.

import assert from 'node:assert/strict';

import { footballPhase } from '../../public/js/clock.js';
import { getJson, waitFor } from './harness.mjs';

// ---- common -------------------------------------------------------------------

/** Header, status and the commentary list as shown (any sport). */
function readCommon(id) {
  const text = (el) => (el ? el.textContent.trim() : null);
  const result = document.querySelector('[data-testid="result"]');
  const feed = document.querySelector('[data-testid="commentary"], [data-testid="play-by-play"]');
  const items = feed ? [...feed.children].filter((li) => li.dataset.seq) : [];
  return {
    seq: window.__livematch.lastSeq[id],
    sport: document.querySelector('[data-testid="match"]').dataset.sport,
    title: text(document.querySelector('#match-h')),
    status: document.querySelector('[data-testid="match-status"]').dataset.status,
    result: result.hidden ? null : text(result),
    feed: items.map((li) => [Number(li.dataset.seq), li.dataset.kind]),
  };
}

function expectCommon(snap) {
  return {
    seq: snap.seq,
    sport: snap.sport,
    title: snap.title,
    status: snap.status,
    result: snap.result ?? null,
    // Newest first.
    feed: [...snap.commentary].reverse().map((c) => [c.seq, c.kind]),
  };
}

/**
 * Poll until the page has applied exactly the seq the REST snapshot is at
 * (read before and after the DOM, so the match cannot have moved on in
 * between), then deepEqual what the page shows with what the snapshot says.
 * Returns the snapshot compared.
 */
export async function assertPageEqualsSnapshot(page, base, id, read, expect, { timeout = 20000 } = {}) {
  let last = '';
  let compared = null;
  await waitFor(
    async () => {
      const snap = await getJson(`${base}/api/matches/${encodeURIComponent(id)}`);
      const shown = await page.evaluate(read, id);
      const common = await page.evaluate(readCommon, id);
      const again = await getJson(`${base}/api/matches/${encodeURIComponent(id)}`);
      if (common.seq !== snap.seq || again.seq !== snap.seq) {
        last = `page at seq ${common.seq}, API at ${snap.seq}..${again.seq}`;
        return false;
      }
      try {
        assert.deepEqual(common, expectCommon(snap));
        assert.deepEqual(shown, expect(snap));
        compared = snap;
        return true;
      } catch (e) {
        last = e.message;
        return false;
      }
    },
    { timeout, interval: 60, message: `the ${id} page to equal its REST snapshot at the same seq` },
  ).catch((e) => {
    throw new Error(`${e.message}\n${last}`);
  });
  return compared;
}

// ---- football -------------------------------------------------------------------

/** The football page as shown. */
export function readFootball() {
  const text = (el) => (el ? el.textContent.trim() : null);
  const all = (sel, root = document) => [...root.querySelectorAll(sel)];
  const pens = document.querySelector('[data-testid="shootout-score"]');
  const shootout = document.querySelector('[data-testid="shootout"]');
  return {
    score: all('[data-testid="side-score"]').map(text),
    clock: text(document.querySelector('[data-testid="clock"]')),
    running: document.querySelector('[data-testid="clock"]').dataset.running,
    period: text(document.querySelector('[data-testid="period"]')),
    pens: pens.hidden ? null : text(pens),
    scorers: all('[data-testid="scorers"]').map((ul) => all('li', ul).map(text).join(' | ')),
    timeline: all('[data-testid="timeline-item"]').map((li) => ({
      seq: Number(li.dataset.seq),
      kind: li.dataset.kind,
      side: li.dataset.side,
      clock: text(li.querySelector('.moment-clock')),
      title: li.dataset.kind === 'period_end' ? null : text(li.querySelector('.moment-title')).replace(/ \d+–\d+$/, ''),
    })),
    stats: all('[data-testid="team-stats"] [data-testid="stat-row"]').map((tr) => [tr.dataset.stat, text(tr.cells[0]), text(tr.cells[2])]),
    lineups: all('[data-testid="lineup"]').map((table) => all('[data-testid="lineup-row"]', table).map((tr) => {
      const ev = (k) => tr.querySelectorAll(`[data-ev="${k}"]`).length;
      const evText = (k) => text(tr.querySelector(`[data-ev="${k}"] [aria-hidden]`));
      return {
        number: text(tr.cells[0]),
        name: tr.dataset.name,
        starter: tr.dataset.starter === 'true',
        onPitch: tr.dataset.onPitch === 'true',
        goals: ev('goal'),
        ownGoals: ev('own_goal'),
        assists: ev('assist'),
        yellow: ev('yellow') > 0,
        red: ev('red') ? 'red' : ev('second_yellow') ? 'second_yellow' : null,
        on: evText('on'),
        off: evText('off'),
      };
    })),
    shootout: shootout.hidden ? null : [0, 1].map((k) => all(`tr[data-side="${k}"] [data-testid="shootout-kick"]`, shootout).map((m) => ({ player: m.dataset.player, scored: m.dataset.scored === 'true' }))),
  };
}

/** What the football page should show for `snap`. */
export function expectFootball(snap) {
  const goals = new Set(['goal', 'own_goal', 'penalty_goal']);
  const started = snap.status !== 'scheduled';
  const statKeys = ['shots', 'on_target', 'corners', 'fouls', 'offsides', 'saves', 'yellow', 'red'];
  const poss = snap.stats.possession;
  return {
    score: started ? snap.score.map(String) : ['', ''],
    clock: snap.clock.label,
    running: String(snap.clock.running),
    period: footballPhase(snap),
    pens: snap.shootout ? `Penalties ${snap.shootout.score[0]}–${snap.shootout.score[1]}` : null,
    // Every goal of a side is under its name: scorer and minute (in the order scored).
    scorers: [0, 1].map((k) => {
      const mine = snap.timeline.filter((e) => goals.has(e.kind) && e.team === k);
      const names = [...new Set(mine.map((e) => `${e.player}|${e.kind === 'own_goal'}`))];
      return names.map((key) => {
        const [name, own] = key.split('|');
        const minutes = mine.filter((e) => e.player === name && String(e.kind === 'own_goal') === own).map((e) => `${e.clock}${e.kind === 'penalty_goal' ? ' (pen)' : ''}`);
        return `${name}${own === 'true' ? ' (og)' : ''} ${minutes.join(', ')}`;
      }).join(' | ');
    }),
    timeline: snap.timeline.map((e) => ({
      seq: e.seq,
      kind: e.kind,
      side: e.team === 0 || e.team === 1 ? String(e.team) : 'none',
      clock: e.clock,
      title: e.kind === 'period_end' ? null : e.player,
    })),
    stats: [['possession', poss ? `${poss[0]}%` : '–', poss ? `${poss[1]}%` : '–'], ...statKeys.map((k) => [k, String(snap.stats[k][0]), String(snap.stats[k][1])])],
    lineups: snap.lineups.map((lu) => [...lu.players.filter((p) => p.starter), ...lu.players.filter((p) => !p.starter)].map((p) => ({
      number: String(p.number),
      name: p.name,
      starter: p.starter,
      onPitch: p.on_pitch,
      goals: p.goals,
      ownGoals: p.own_goals,
      assists: p.assists,
      yellow: p.yellow > 0,
      red: p.red,
      on: p.on,
      off: p.off,
    }))),
    shootout: snap.shootout ? snap.shootout.kicks.map((ks) => ks.map((k) => ({ player: k.player, scored: k.scored }))) : null,
  };
}

// ---- basketball ------------------------------------------------------------------

/** The basketball page as shown. */
export function readBasketball() {
  const text = (el) => (el ? el.textContent.trim() : null);
  const all = (sel, root = document) => [...root.querySelectorAll(sel)];
  const shot = document.querySelector('[data-testid="shot-clock"]');
  return {
    score: all('[data-testid="side-score"]').map(text),
    clock: text(document.querySelector('[data-testid="clock"]')),
    shotClock: shot.hidden ? null : text(shot),
    possession: all('.bb-side').map((s) => s.dataset.possession === 'true'),
    linescore: all('[data-testid="linescore-row"]').map((tr) => [...tr.cells].map(text)),
    lead: all('[data-testid="lead-point"]').map((c) => [Number(c.dataset.seq), Number(c.dataset.margin)]),
    box: all('[data-testid="box-table"]').map((t) => all('[data-testid="box-row"]', t).map((tr) => [tr.dataset.name, ...[...tr.cells].slice(1).map(text)])),
    totals: all('[data-testid="box-total"]').map((tr) => [...tr.cells].slice(1).map(text)),
    team: all('[data-testid="team-stats"] [data-testid="stat-row"]').map((tr) => [tr.dataset.stat, text(tr.cells[0]), text(tr.cells[2])]),
  };
}

const ma = (m, a) => `${m}-${a}`;
const pct = (m, a) => (a > 0 ? `${Math.round((m / a) * 100)}% (${m}/${a})` : '–');

/** What the basketball page should show for `snap`. */
export function expectBasketball(snap) {
  const started = snap.period.number > 0;
  const live = snap.status === 'live';
  const n = Math.max(4, snap.by_period.length);
  const row = (p) => [p.pts, p.reb, p.ast].map(String).concat([ma(p.fgm, p.fga), ma(p.tpm, p.tpa), ma(p.ftm, p.fta)], [p.oreb, p.dreb, p.stl, p.blk, p.tov, p.pf].map(String));
  return {
    score: started || snap.status !== 'scheduled' ? snap.score.map(String) : ['', ''],
    clock: started ? snap.period.status_label : 'Tip-off soon',
    shotClock: typeof snap.shot_clock === 'number' && snap.period.running ? `Shot clock ${snap.shot_clock}` : null,
    possession: [0, 1].map((k) => live && snap.possession === k),
    linescore: [0, 1].map((k) => [snap.codes[k], ...Array.from({ length: n }, (_, i) => (i < snap.by_period.length ? String(snap.by_period[i][k]) : '')), String(snap.score[k])]),
    lead: snap.lead.map((p) => [p.seq, p.margin]),
    box: snap.box.map((b) => b.players.map((p) => [p.name, p.min, ...row(p), p.pm > 0 ? `+${p.pm}` : String(p.pm)])),
    totals: snap.totals.map((t) => ['', ...row(t), '']),
    team: [
      ['fg', pct(snap.totals[0].fgm, snap.totals[0].fga), pct(snap.totals[1].fgm, snap.totals[1].fga)],
      ['tp', pct(snap.totals[0].tpm, snap.totals[0].tpa), pct(snap.totals[1].tpm, snap.totals[1].tpa)],
      ['ft', pct(snap.totals[0].ftm, snap.totals[0].fta), pct(snap.totals[1].ftm, snap.totals[1].fta)],
      ...['reb', 'oreb', 'ast', 'stl', 'blk', 'tov', 'pf'].map((k) => [k, String(snap.totals[0][k]), String(snap.totals[1][k])]),
    ],
  };
}

// ---- tennis ------------------------------------------------------------------------

/** The tennis page as shown. */
export function readTennis() {
  const text = (el) => (el ? el.textContent.trim() : null);
  const all = (sel, root = document) => [...root.querySelectorAll(sel)];
  const flag = document.querySelector('[data-testid="pressure"]');
  return {
    rows: all('[data-testid="scoreboard-row"]').map((tr) => ({
      name: text(tr.querySelector('.who')),
      serving: tr.dataset.serving === 'true',
      sets: all('[data-testid="set-cell"]', tr).map(text),
      points: text(tr.querySelector('[data-testid="points"]')),
    })),
    pressure: flag.hidden ? null : [flag.dataset.kind, Number(flag.dataset.side)],
    // Games as listed (newest first within a set), then every point in play order.
    games: all('[data-testid="pbp-game"]').map((li) => ({
      set: Number(li.dataset.set),
      game: Number(li.dataset.game),
      server: Number(li.dataset.server),
      winner: li.dataset.winner === undefined ? null : Number(li.dataset.winner),
      broken: li.dataset.broken === 'true',
      score: text(li.querySelector('[data-testid="pbp-game-score"]')),
      points: all('[data-testid="pbp-point"]', li).map((p) => Number(p.dataset.seq)),
    })).sort((a, b) => a.set - b.set || a.game - b.game),
    stats: all('[data-testid="set-stats"] [data-testid="stat-row"]').map((tr) => [tr.dataset.stat, text(tr.cells[0]), text(tr.cells[2])]),
  };
}

/** What the tennis page should show for `snap` (match stats chosen). */
export function expectTennis(snap) {
  const live = snap.status === 'live' && Boolean(snap.current);
  const sets = snap.sets.filter((s, i) => s.winner != null || s.games.some((g) => g > 0) || (live && i === snap.sets.length - 1));
  const cell = (s, k) => {
    const tb = s.tiebreak;
    if (tb && s.games[0] + s.games[1] === 1) return String(tb[k]);
    return `${s.games[k]}${tb && s.games[k] < s.games[1 - k] ? tb[k] : ''}`;
  };
  const points = snap.commentary.filter((c) => c.point);
  const keys = [...new Set(points.map((c) => `${c.point.set}-${c.point.game}`))];
  const records = new Map(snap.games.map((g) => [`${g.set}-${g.game}`, g]));
  const cur = snap.current;
  const flag = live && (cur.match_point != null ? ['match_point', cur.match_point] : cur.set_point != null ? ['set_point', cur.set_point] : cur.break_point != null ? ['break_point', cur.break_point] : null);
  return {
    rows: [0, 1].map((k) => ({
      name: snap.players[k],
      serving: live && snap.server === k,
      sets: sets.map((s) => cell(s, k)),
      points: live ? cur.score[k] : null,
    })),
    pressure: flag || null,
    games: keys.map((key) => {
      const mine = points.filter((c) => `${c.point.set}-${c.point.game}` === key);
      const rec = records.get(key);
      const lastGames = mine[mine.length - 1].point.games;
      return {
        set: mine[0].point.set,
        game: mine[0].point.game,
        server: mine[0].point.server,
        winner: rec ? rec.winner : null,
        broken: Boolean(rec && rec.broken),
        score: rec ? `${rec.games[0]}-${rec.games[1]}` : `${lastGames[0]}-${lastGames[1]}`,
        points: mine.map((c) => c.seq),
      };
    }),
    stats: tennisStats(snap.stats),
  };
}

/** The stats rows ([key, first player, second player]) for a pair of per-player stats. */
export function tennisStats(st) {
  const count = (k) => [k, String(st[0][k]), String(st[1][k])];
  const pair = (k, f) => [k, f(st[0]), f(st[1])];
  const pctOf = (m, a) => (a > 0 ? `${Math.round((m / a) * 100)}% (${m}/${a})` : '–');
  return [
    count('aces'), count('double_faults'),
    pair('first_serve_in', (x) => pctOf(x.first_serves_in, x.service_points)),
    pair('first_serve_won', (x) => pctOf(x.first_serve_won, x.first_serves_in)),
    pair('second_serve_won', (x) => pctOf(x.second_serve_won, x.second_serve_points)),
    pair('break_points_won', (x) => `${x.break_points_won}/${x.break_points}`),
    pair('service_games_won', (x) => `${x.service_games_won}/${x.service_games}`),
    count('return_points_won'), count('winners'), count('unforced_errors'), count('points_won'),
  ];
}
