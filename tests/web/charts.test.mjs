// Chart markup (public/js/charts.js) and text helpers (public/js/format.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import { chartInnings, manhattanSvg, wormSvg, niceScale } from '../../public/js/charts.js';
import { abbreviation, chipKind, chipSpoken, docTitle, extrasText, inningsLabel, lobbyOrder, projected, totalDetail } from '../../public/js/format.js';

function overs(n, runsOf, wktsOf = () => 0) {
  let cum = 0;
  return Array.from({ length: n }, (_, k) => {
    const runs = runsOf(k + 1);
    cum += runs;
    return { over: k + 1, runs, wickets: wktsOf(k + 1), cumulative: cum, legal_balls: 6 };
  });
}

const snapshot = {
  balls_per_over: 6,
  innings: [
    { team: 'Rajasthan Royals', runs: 130, wickets: 9, overs: '20', max_overs: 20, super_over: false, overs_detail: overs(20, (o) => 6 + (o % 3), (o) => (o % 5 === 0 ? 2 : 0)) },
    { team: 'Gujarat Titans', runs: 133, wickets: 3, overs: '18.1', max_overs: 20, target: 131, super_over: false, overs_detail: [...overs(18, () => 7), { over: 19, runs: 7, wickets: 1, cumulative: 133, legal_balls: 1 }] },
    { team: 'Rajasthan Royals', runs: 10, wickets: 1, overs: '1', max_overs: 1, super_over: true, overs_detail: overs(1, () => 10) },
  ],
};

const count = (svg, re) => (svg.match(re) || []).length;

test('charts show the main innings only, one point and one bar per over', () => {
  const inns = chartInnings(snapshot);
  assert.deepEqual(inns.map((i) => i.index), [0, 1]);
  const worm = wormSvg(inns);
  const man = manhattanSvg(inns);
  assert.equal(count(worm, /data-testid="worm-point" data-innings="0"/g), 20);
  assert.equal(count(worm, /data-testid="worm-point" data-innings="1"/g), 19);
  assert.equal(count(man, /data-testid="manhattan-bar" data-innings="0"/g), 20);
  assert.equal(count(man, /data-testid="manhattan-bar" data-innings="1"/g), 19);
  // Innings 1 lost 2 wickets in each of overs 5, 10, 15, 20.
  assert.equal(count(worm, /data-testid="worm-wicket" data-innings="0"/g), 4);
  assert.equal(count(man, /data-testid="manhattan-wicket" data-innings="0"/g), 8);
  assert.equal(count(man, /data-testid="manhattan-wicket" data-innings="1"/g), 1);
  assert.match(worm, /data-over="19" data-runs="133"/);
  assert.match(worm, /Target 131/);
});

test('charts of a match without balls say so, and escape team names', () => {
  assert.match(wormSvg([]), /starts with the first ball/);
  const svg = manhattanSvg(chartInnings({ innings: [{ team: 'A <b>&', overs_detail: overs(1, () => 3) }] }));
  assert.ok(!svg.includes('<b>'));
  assert.match(svg, /A &lt;b&gt;&amp;/);
  // Garbage in the snapshot does not throw.
  assert.doesNotThrow(() => wormSvg(chartInnings({ innings: [null, { overs_detail: [null, 5, { over: 'x' }] }] })));
});

test('nice axis scales cover the data', () => {
  for (const v of [1, 7, 13, 99, 131, 222, 365]) {
    const { max, step } = niceScale(v);
    assert.ok(max >= v, `${v} → ${max}`);
    assert.ok(max / step <= 6, `${v}: ${max}/${step}`);
  }
});

test('ball chips are classified for colour', () => {
  const kinds = Object.fromEntries(['0', '1', '4', '6', 'W', '1+W', '1wd', '5nb', 'nb', '2lb', '1b', '5p', '1wd+W'].map((c) => [c, chipKind(c)]));
  assert.deepEqual(kinds, {
    0: 'dot', 1: 'runs', 4: 'four', 6: 'six', W: 'wicket', '1+W': 'wicket', '1wd': 'extra', '5nb': 'extra',
    nb: 'extra', '2lb': 'extra', '1b': 'extra', '5p': 'extra', '1wd+W': 'wicket',
  });
  assert.equal(chipSpoken('0'), 'dot ball');
  assert.equal(chipSpoken('1wd'), '1 wide');
  assert.equal(chipSpoken('2'), '2 runs');
});

test('scorecard text', () => {
  assert.equal(abbreviation('Royal Challengers Bangalore'), 'RCB');
  assert.equal(abbreviation('India'), 'IND');
  assert.equal(extrasText({ byes: 1, legbyes: 2, wides: 5, noballs: 0, penalty: 0, total: 8 }), '(b 1, lb 2, w 5)');
  assert.equal(totalDetail({ wickets: 10, overs: '19.3', run_rate: 7.8 }), '(all out, 19.3 ov, RR 7.80)');
  assert.equal(totalDetail({ wickets: 1, overs: '2' }), '(1 wkt, 2 ov)');
  const inns = snapshot.innings;
  assert.equal(inningsLabel(inns[1], 1, inns).short, 'GT 2nd');
  assert.equal(inningsLabel(inns[2], 2, inns).long, 'Super Over: Rajasthan Royals');
  assert.equal(projected({ runs: 60, legal_balls: 60, max_overs: 20 }), 120);
  assert.equal(projected({ runs: 60, legal_balls: 60, max_overs: 20, target: 150 }), null);
  assert.match(docTitle({ status: 'live', teams: ['Rajasthan Royals', 'Gujarat Titans'], current: { batting_team: 'Gujarat Titans', runs: 75, wickets: 2, overs: '11.5' } }), /^GT 75\/2 \(11\.5\)/);
});

test('lobby order: live, upcoming, finished; newest first', () => {
  const list = [
    { id: 'a', status: 'completed', updated: 9 },
    { id: 'b', status: 'live', updated: 1 },
    { id: 'c', status: 'scheduled', updated: 5 },
    { id: 'd', status: 'live', updated: 3 },
    { id: 'e', status: 'abandoned', updated: 10 },
  ];
  assert.deepEqual(list.sort(lobbyOrder).map((e) => e.id), ['d', 'b', 'c', 'e', 'a']);
});
