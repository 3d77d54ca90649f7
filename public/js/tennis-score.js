// Tennis scores as shown, pure: scoreboard cells, the point-by-point
// grouping, who has a break / set / match point, and the stats rows.

import { pctOf } from './compare.js';
import { arr, num, obj, str } from './format.js';

/**
 * One set on one player's scoreboard row: `main` is the games (for a
 * match tiebreak played as the deciding set, its points), `sup` the
 * tiebreak points the player lost a tiebreak set with (shown raised), or
 * null.
 */
export function setCell(set, side) {
  const s = obj(set) || {};
  const g = arr(s.games);
  const tb = Array.isArray(s.tiebreak) ? s.tiebreak : null;
  const mine = num(g[side]);
  const theirs = num(g[1 - side]);
  if (tb && mine + theirs === 1) return { main: num(tb[side]), sup: null, matchTiebreak: true };
  const sup = tb && mine < theirs ? num(tb[side]) : null;
  return { main: mine, sup, matchTiebreak: false };
}

/** A set as a result line: "6-4", "7-6(5)", "[10-8]" (from side `first`'s point of view). */
export function setText(set, first = 0) {
  const s = obj(set) || {};
  const g = arr(s.games);
  const tb = Array.isArray(s.tiebreak) ? s.tiebreak : null;
  const a = num(g[first]);
  const b = num(g[1 - first]);
  if (tb && a + b === 1) return `[${num(tb[first])}-${num(tb[1 - first])}]`;
  if (tb) return `${a}-${b}(${Math.min(num(tb[0]), num(tb[1]))})`;
  return `${a}-${b}`;
}

/** The sets that have a score to show: finished ones, and the one in play while the match is live. */
export function shownSets(sets, live) {
  const all = arr(sets);
  return all.filter((s, i) => {
    const o = obj(s) || {};
    return o.winner != null || arr(o.games).some((x) => num(x) > 0) || (live && i === all.length - 1);
  });
}

/** What the current game is called: "Game 7", "Tiebreak (first to 7)", "Match tiebreak (first to 10)". */
export function gameLabel(current) {
  const c = obj(current);
  if (!c) return '';
  if (c.tiebreak) {
    const to = num(c.tiebreak_to, 7);
    return `${to >= 10 ? 'Match tiebreak' : 'Tiebreak'} (first to ${to})`;
  }
  return `Game ${num(c.game, 1)}`;
}

/** Who has the most important pressure point now: match point, else set point, else break point. */
export function pressure(current, names = ['', '']) {
  const c = obj(current);
  if (!c) return null;
  for (const [key, text] of [['match_point', 'Match point'], ['set_point', 'Set point'], ['break_point', 'Break point']]) {
    const who = c[key];
    if (who === 0 || who === 1) return { kind: key, side: who, text: `${text} ${str(names[who])}`.trim() };
  }
  return null;
}

/**
 * The point-by-point record, grouped: sets → games → points, from the
 * commentary's point records and the finished games.
 *
 * Each game: {set, game, server, winner (null while in play), broken,
 * tiebreak, games (the set score after it, or so far), points: [{seq,
 * winner, label, flag}]}. A point's `label` is the game score after it
 * ("15-0", "40-AD", "5-4" in a tiebreak) or "Game" / "Set" / "Match" when
 * it ended one; `flag` is "BP", "SP" or "MP" when that score gives someone
 * a break, set or match point (as a scoreboard calls "30-40, break
 * point"): the next point's record says so, or for the latest point of
 * the game in play, `current` (the snapshot's).
 */
export function pointByPoint(commentary, games, current = null) {
  const records = new Map();
  for (const g of arr(games)) {
    const o = obj(g);
    if (o) records.set(`${num(o.set)}-${num(o.game)}`, o);
  }
  const sets = [];
  const byKey = new Map();
  const points = arr(commentary).filter((c) => obj(c) && obj(c.point));
  points.forEach((c, k) => {
    const p = c.point;
    const key = `${num(p.set)}-${num(p.game)}`;
    let game = byKey.get(key);
    if (!game) {
      const rec = records.get(key);
      game = {
        set: num(p.set), game: num(p.game), server: num(p.server), winner: rec ? num(rec.winner) : null,
        broken: Boolean(rec && rec.broken), tiebreak: Boolean(rec && rec.tiebreak), games: rec ? arr(rec.games) : arr(p.games), points: [],
      };
      byKey.set(key, game);
      let set = sets[sets.length - 1];
      if (!set || set.set !== game.set) {
        set = { set: game.set, games: [] };
        sets.push(set);
      }
      set.games.push(game);
    }
    const next = points[k + 1] && points[k + 1].point;
    const endsGame = Boolean(records.get(key)) && !(next && `${num(next.set)}-${num(next.game)}` === key);
    let label = `${str(arr(p.points)[0])}-${str(arr(p.points)[1])}`;
    if (endsGame) {
      if (p.match_point != null && p.match_point === p.winner) label = 'Match';
      else if (p.set_point != null && p.set_point === p.winner) label = 'Set';
      else label = 'Game';
    }
    const on = next && `${num(next.set)}-${num(next.game)}` === key ? next : !next && !endsGame ? obj(current) : null;
    game.points.push({ seq: num(c.seq), winner: num(p.winner), label, flag: flagOf(on), serve: num(p.serve, 1) });
    if (!records.get(key)) game.games = arr(p.games);
  });
  // The game in play is a tiebreak when the current score says so.
  const lastSet = sets[sets.length - 1];
  const last = lastSet && lastSet.games[lastSet.games.length - 1];
  if (last && last.winner == null && obj(current) && current.tiebreak) last.tiebreak = true;
  return sets;
}

/** "MP", "SP" or "BP" for a record (or `current`) naming who has one; "" for none. */
function flagOf(r) {
  if (!r) return '';
  if (r.match_point != null) return 'MP';
  if (r.set_point != null) return 'SP';
  return r.break_point != null ? 'BP' : '';
}

/** The stats table rows for one pair of per-player stats objects. */
export function statRows(pair) {
  const [a, b] = [obj(arr(pair)[0]) || {}, obj(arr(pair)[1]) || {}];
  const rate = (m, t) => (num(t) > 0 ? num(m) / num(t) : 0);
  const row = (key, label, fa, fb, va, vb) => ({ key, label, a: fa, b: fb, av: va, bv: vb });
  const count = (key, label) => row(key, label, String(num(a[key])), String(num(b[key])), num(a[key]), num(b[key]));
  const second = (x) => num(x.second_serve_points);
  return [
    count('aces', 'Aces'),
    count('double_faults', 'Double faults'),
    row('first_serve_in', '1st serve in', pctOf(a.first_serves_in, a.service_points), pctOf(b.first_serves_in, b.service_points),
      rate(a.first_serves_in, a.service_points), rate(b.first_serves_in, b.service_points)),
    row('first_serve_won', '1st serve points won', pctOf(a.first_serve_won, a.first_serves_in), pctOf(b.first_serve_won, b.first_serves_in),
      rate(a.first_serve_won, a.first_serves_in), rate(b.first_serve_won, b.first_serves_in)),
    row('second_serve_won', '2nd serve points won', pctOf(a.second_serve_won, second(a)), pctOf(b.second_serve_won, second(b)),
      rate(a.second_serve_won, second(a)), rate(b.second_serve_won, second(b))),
    row('break_points_won', 'Break points won', `${num(a.break_points_won)}/${num(a.break_points)}`, `${num(b.break_points_won)}/${num(b.break_points)}`,
      num(a.break_points_won), num(b.break_points_won)),
    row('service_games_won', 'Service games won', `${num(a.service_games_won)}/${num(a.service_games)}`, `${num(b.service_games_won)}/${num(b.service_games)}`,
      rate(a.service_games_won, a.service_games), rate(b.service_games_won, b.service_games)),
    count('return_points_won', 'Return points won'),
    count('winners', 'Winners'),
    count('unforced_errors', 'Unforced errors'),
    count('points_won', 'Total points won'),
  ];
}
