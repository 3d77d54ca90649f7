// Tennis scores as shown (public/js/tennis-score.js): scoreboard cells,
// tiebreaks, pressure points, the point-by-point grouping and the stats.
// Run: node --test tests/web/
import test from 'node:test';
import assert from 'node:assert/strict';
import { gameLabel, pointByPoint, pressure, setCell, setText, shownSets, statRows } from '../../public/js/tennis-score.js';

test('set cells: games, the tiebreak loser\'s points raised, a match tiebreak as its points', () => {
  const normal = { games: [6, 4], tiebreak: null, winner: 0 };
  const tb = { games: [6, 7], tiebreak: [5, 7], winner: 1 };
  const mtb = { games: [0, 1], tiebreak: [8, 10], winner: 1 };
  assert.deepEqual([setCell(normal, 0), setCell(normal, 1)], [{ main: 6, sup: null, matchTiebreak: false }, { main: 4, sup: null, matchTiebreak: false }]);
  assert.deepEqual([setCell(tb, 0), setCell(tb, 1)], [{ main: 6, sup: 5, matchTiebreak: false }, { main: 7, sup: null, matchTiebreak: false }]);
  assert.deepEqual([setCell(mtb, 0), setCell(mtb, 1)], [{ main: 8, sup: null, matchTiebreak: true }, { main: 10, sup: null, matchTiebreak: true }]);
  assert.deepEqual([setText(normal), setText(tb), setText(tb, 1), setText(mtb), setText(mtb, 1)], ['6-4', '6-7(5)', '7-6(5)', '[8-10]', '[10-8]']);
});

test('the sets shown: finished ones, and the one in play while live', () => {
  const sets = [{ games: [6, 4], winner: 0 }, { games: [0, 0], winner: null }];
  assert.equal(shownSets(sets, true).length, 2);
  assert.equal(shownSets(sets, false).length, 1);
  assert.equal(shownSets([{ games: [2, 1], winner: null }], false).length, 1);
});

test('game labels and the most important pressure point', () => {
  assert.equal(gameLabel({ game: 7, tiebreak: false }), 'Game 7');
  assert.equal(gameLabel({ game: 13, tiebreak: true, tiebreak_to: 7 }), 'Tiebreak (first to 7)');
  assert.equal(gameLabel({ game: 1, tiebreak: true, tiebreak_to: 10 }), 'Match tiebreak (first to 10)');
  assert.equal(gameLabel(null), '');
  const names = ['Sinner', 'Alcaraz'];
  assert.deepEqual(pressure({ break_point: 1, set_point: null, match_point: null }, names), { kind: 'break_point', side: 1, text: 'Break point Alcaraz' });
  // A break point that is also match point is called a match point.
  assert.deepEqual(pressure({ break_point: 1, set_point: null, match_point: 1 }, names), { kind: 'match_point', side: 1, text: 'Match point Alcaraz' });
  assert.deepEqual(pressure({ break_point: null, set_point: 0, match_point: null }, names), { kind: 'set_point', side: 0, text: 'Set point Sinner' });
  assert.equal(pressure({ break_point: null, set_point: null, match_point: null }, names), null);
});

/** A commentary point record (the score after the point). */
function pt(seq, set, game, server, winner, points, games, flags = {}) {
  return {
    seq, kind: 'point', text: '',
    point: { set, game, server, winner, serve: 1, points, games, sets: [0, 0], break_point: null, set_point: null, match_point: null, ...flags },
  };
}

test('point by point: games grouped by set, score after each point, the game-winning point named', () => {
  const commentary = [
    { seq: 1, kind: 'match_start', point: null, text: 'Sinner v Alcaraz' },
    pt(2, 1, 1, 0, 0, ['15', '0'], [0, 0]),
    pt(3, 1, 1, 0, 1, ['15', '15'], [0, 0]),
    pt(4, 1, 1, 0, 1, ['15', '30'], [0, 0]),
    pt(5, 1, 1, 0, 1, ['15', '40'], [0, 0]),
    pt(6, 1, 1, 0, 1, ['0', '0'], [0, 1], { break_point: 1 }),
    pt(7, 1, 2, 1, 1, ['0', '15'], [0, 1]),
  ];
  const games = [{ set: 1, game: 1, server: 0, winner: 1, broken: true, tiebreak: false, games: [0, 1] }];
  const sets = pointByPoint(commentary, games);
  assert.equal(sets.length, 1);
  const [g1, g2] = sets[0].games;
  // 15-40 is the break point (the next point's record says it was one).
  assert.deepEqual(g1.points.map((p) => [p.seq, p.label, p.flag]), [[2, '15-0', ''], [3, '15-15', ''], [4, '15-30', ''], [5, '15-40', 'BP'], [6, 'Game', '']]);
  assert.deepEqual([g1.winner, g1.broken, g1.games], [1, true, [0, 1]]);
  // The game in play has no winner yet, and its score so far.
  assert.deepEqual([g2.game, g2.server, g2.winner, g2.points.length, g2.games], [2, 1, null, 1, [0, 1]]);
});

test('point by point: a set won on a set point, the match on a match point, tiebreak counts as scores', () => {
  const commentary = [
    pt(10, 1, 13, 0, 0, ['6', '5'], [6, 6]),
    pt(11, 1, 13, 1, 0, ['0', '0'], [7, 6], { set_point: 0 }),
    pt(12, 2, 1, 1, 0, ['0', '0'], [1, 0], { match_point: 0 }),
  ];
  const games = [
    { set: 1, game: 13, server: 0, winner: 0, broken: false, tiebreak: true, games: [7, 6] },
    { set: 2, game: 1, server: 1, winner: 0, broken: true, tiebreak: false, games: [1, 0] },
  ];
  const sets = pointByPoint(commentary, games);
  assert.deepEqual(sets.map((s) => s.set), [1, 2]);
  assert.deepEqual(sets[0].games[0].points.map((p) => [p.label, p.flag]), [['6-5', 'SP'], ['Set', '']]);
  assert.equal(sets[0].games[0].tiebreak, true);
  assert.deepEqual(sets[1].games[0].points.map((p) => [p.label, p.flag]), [['Match', '']]);
  // A set point saved is not a set won; the latest point's flag comes from the current score.
  const saved = [pt(20, 1, 10, 0, 1, ['40', '40'], [5, 4], { set_point: 0 }), pt(21, 1, 10, 0, 0, ['AD', '40'], [5, 4])];
  assert.deepEqual(pointByPoint(saved, [])[0].games[0].points.map((p) => [p.label, p.flag]), [['40-40', ''], ['AD-40', '']]);
  const now = pointByPoint(saved, [], { break_point: null, set_point: 0, match_point: null });
  assert.deepEqual(now[0].games[0].points.map((p) => [p.label, p.flag]), [['40-40', ''], ['AD-40', 'SP']]);
  assert.equal(now[0].games[0].tiebreak, false);
  // A tiebreak in play is known from the current score.
  const tb = pointByPoint([pt(30, 1, 13, 0, 0, ['1', '0'], [6, 6])], [], { tiebreak: true, tiebreak_to: 7 });
  assert.equal(tb[0].games[0].tiebreak, true);
});

test('stats rows: counts, percentages with their fractions, nothing attempted as a dash', () => {
  const a = { aces: 5, double_faults: 3, service_points: 71, first_serves_in: 49, first_serve_won: 32, second_serve_points: 22, second_serve_won: 9, break_points: 7, break_points_won: 4, service_games: 11, service_games_won: 7, return_points_won: 32, winners: 27, unforced_errors: 25, points_won: 73 };
  const b = { aces: 3, service_points: 0 };
  const rows = statRows([a, b]);
  const by = Object.fromEntries(rows.map((r) => [r.key, r]));
  assert.deepEqual([by.aces.a, by.aces.b, by.aces.av, by.aces.bv], ['5', '3', 5, 3]);
  assert.equal(by.first_serve_in.a, '69% (49/71)');
  assert.equal(by.first_serve_in.b, '–');
  assert.equal(by.first_serve_won.a, '65% (32/49)');
  assert.equal(by.second_serve_won.a, '41% (9/22)');
  assert.deepEqual([by.break_points_won.a, by.break_points_won.b], ['4/7', '0/0']);
  assert.equal(by.service_games_won.a, '7/11');
  assert.equal(rows[rows.length - 1].key, 'points_won');
});
