// The basketball lead tracker (public/js/lead.js): the series, the lead
// numbers and the chart markup; and the box score / play-by-play text
// helpers of public/js/basketball.js.
// Run: node --test tests/web/
import test from 'node:test';
import assert from 'node:assert/strict';
import { elapsedNow, leadSeries, leadStats, leadSvg, periodBounds } from '../../public/js/lead.js';
import { boxCells, periodShort, playTime, totalsRows } from '../../public/js/basketball.js';

/** Lead entries as the engine writes them, from running scores. */
function lead(scores) {
  return scores.map(([a, b, elapsed], k) => ({ seq: 10 + k, period: 1 + Math.floor(elapsed / 720), clock: 720 - (elapsed % 720), elapsed, margin: a - b, score: [a, b] }));
}

const GAME = lead([
  [0, 2, 20], // B leads
  [2, 2, 45], // tied
  [5, 2, 70], // A leads: change 1
  [5, 4, 90],
  [5, 7, 130], // B: change 2
  [7, 7, 160], // tied
  [7, 9, 200], // B again: no change
  [12, 9, 800], // A: change 3
  [20, 9, 1500],
]);

test('lead changes, times tied and the largest leads', () => {
  assert.deepEqual(leadStats(GAME), { changes: 3, ties: 2, largest: [11, 2], margin: 11 });
  assert.deepEqual(leadStats([]), { changes: 0, ties: 0, largest: [0, 0], margin: 0 });
  // Ties in between do not make a change by themselves.
  assert.equal(leadStats(lead([[2, 0, 10], [2, 2, 20], [4, 2, 30]])).changes, 0);
});

test('period bounds: four quarters, then five-minute overtimes', () => {
  assert.deepEqual(periodBounds(12, 4), [0, 720, 1440, 2160, 2880]);
  assert.deepEqual(periodBounds(10, 6), [0, 600, 1200, 1800, 2400, 2700, 3000]);
  assert.deepEqual(periodBounds(12, 0), [0, 720, 1440, 2160, 2880], 'before tip-off: regulation');
});

test('the series steps at each score and holds to now', () => {
  const pts = leadSeries(lead([[2, 0, 30], [2, 3, 50]]), 100);
  assert.deepEqual(pts, [[0, 0], [30, 0], [30, 2], [50, 2], [50, -1], [100, -1]]);
  assert.deepEqual(leadSeries([], 0), [[0, 0]]);
  const snap = { period: { number: 3, length: 720, clock: 581 } };
  assert.equal(elapsedNow(snap, periodBounds(12, 4)), 1440 + 139);
  assert.equal(elapsedNow({ period: { number: 0 } }, periodBounds(12, 4)), 0);
});

test('the chart has one point per lead entry, with its seq and margin, and says who led', () => {
  const svg = leadSvg(GAME, { bounds: periodBounds(12, 4), codes: ['BOS', 'DEN'], until: 1600, id: 'g1' });
  const pts = [...svg.matchAll(/data-testid="lead-point" data-seq="(\d+)" data-margin="(-?\d+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.deepEqual(pts, GAME.map((p) => [p.seq, p.margin]));
  assert.match(svg, /<desc id="g1-d">3 lead changes, tied 2 times; largest leads BOS 11, DEN 2<\/desc>/);
  assert.match(svg, />BOS ahead</);
  assert.match(svg, />Q4</);
  assert.doesNotMatch(svg, />OT</);
  const ot = leadSvg(GAME, { bounds: periodBounds(12, 5), codes: ['A', 'B'] });
  assert.match(ot, />OT</);
  const empty = leadSvg([], { bounds: periodBounds(12, 4), codes: ['A', 'B'] });
  assert.equal((empty.match(/lead-point/g) || []).length, 0);
  assert.match(empty, /starts with the first basket/);
  // Team codes are escaped.
  assert.match(leadSvg(GAME, { bounds: periodBounds(12, 4), codes: ['<A>', 'B'] }), /&lt;A&gt; ahead/);
});

test('box score cells, totals rows and play times', () => {
  const row = { min: '34:12', pts: 27, reb: 9, ast: 4, fgm: 10, fga: 19, tpm: 3, tpa: 7, ftm: 4, fta: 5, oreb: 2, dreb: 7, stl: 1, blk: 0, tov: 3, pf: 2, pm: 11 };
  assert.deepEqual(boxCells(row), ['34:12', '27', '9', '4', '10-19', '3-7', '4-5', '2', '7', '1', '0', '3', '2', '+11']);
  assert.equal(boxCells({ ...row, pm: -4 })[13], '-4');
  assert.equal(boxCells({ ...row, pm: null })[13], '');
  const rows = totalsRows([{ fgm: 40, fga: 80, tpm: 10, tpa: 30, ftm: 0, fta: 0, reb: 44 }, { fgm: 30, fga: 90, tpm: 5, tpa: 20, ftm: 9, fta: 10, reb: 40 }]);
  const fg = rows.find((r) => r.key === 'fg');
  assert.deepEqual([fg.a, fg.b], ['50% (40/80)', '33% (30/90)']);
  const ft = rows.find((r) => r.key === 'ft');
  assert.deepEqual([ft.a, ft.b], ['–', '90% (9/10)']);
  assert.deepEqual(rows.find((r) => r.key === 'reb'), { key: 'reb', label: 'Rebounds', a: '44', b: '40', av: 44, bv: 40 });
  assert.equal(playTime({ period: 3, clock: 581 }), 'Q3 9:41');
  assert.equal(playTime({ period: 6, clock: 12 }), '2OT 0:12');
  assert.equal(playTime({ period: 0, clock: null }), '');
  assert.deepEqual([1, 4, 5, 7].map(periodShort), ['Q1', 'Q4', 'OT', '3OT']);
});
