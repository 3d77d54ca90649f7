// Football text (public/js/football.js), the head-to-head bars
// (public/js/compare.js), the append-only feeds (public/js/feed.js) and the
// sport registry (public/js/sports.js).
// Run: node --test tests/web/
import test from 'node:test';
import assert from 'node:assert/strict';
import { momentText, periodEndName, scorers, statRows } from '../../public/js/football.js';
import { pctOf, shares } from '../../public/js/compare.js';
import { newEntries } from '../../public/js/feed.js';
import { SPORTS, sportLabel, sportOf, viewFor } from '../../public/js/sports.js';
import { GenericView } from '../../public/js/sportview.js';

const SNAP = { teams: ['Arsenal', 'Chelsea'], codes: ['ARS', 'CHE'], half_minutes: 45, extra_minutes: 15, periods: [{}, {}] };

const TIMELINE = [
  { seq: 11, clock: "8'", minute: 8, team: 0, kind: 'yellow', player: 'Youssef Mendes', other: null, score: [0, 0] },
  { seq: 17, clock: "16'", minute: 16, team: 0, kind: 'goal', player: 'Nikola Marino', other: 'Noah Coleman', score: [1, 0] },
  { seq: 30, clock: "34'", minute: 34, team: 1, kind: 'own_goal', player: 'Cheick Bellamy', other: null, score: [1, 1] },
  { seq: 51, clock: "45+2'", minute: 45, added: 2, team: null, kind: 'period_end', player: null, other: null, score: [1, 1] },
  { seq: 60, clock: "70'", minute: 70, team: 0, kind: 'penalty_goal', player: 'Nikola Marino', other: null, score: [2, 1] },
  { seq: 61, clock: "72'", minute: 72, team: 1, kind: 'penalty_miss', player: 'Matteo Greco', other: null, score: [2, 1] },
  { seq: 70, clock: "80'", minute: 80, team: 1, kind: 'goal', player: 'Matteo Greco', other: null, score: [2, 2] },
];

test('scorers per side, in order: minutes joined, penalties and own goals marked', () => {
  assert.deepEqual(scorers(TIMELINE, 0), ["Nikola Marino 16', 70' (pen)"]);
  // An own goal is listed under the side it counts for.
  assert.deepEqual(scorers(TIMELINE, 1), ["Cheick Bellamy (og) 34'", "Matteo Greco 80'"]);
  assert.deepEqual(scorers([], 0), []);
});

test('timeline moments in words', () => {
  assert.deepEqual(momentText(TIMELINE[1], SNAP), { title: 'Nikola Marino', detail: 'Assist: Noah Coleman', spoken: 'Goal for Arsenal, Nikola Marino. 1–0' });
  assert.equal(momentText(TIMELINE[2], SNAP).detail, 'Own goal');
  assert.equal(momentText(TIMELINE[4], SNAP).detail, 'Penalty');
  assert.equal(momentText(TIMELINE[5], SNAP).detail, 'Penalty missed');
  assert.deepEqual(momentText(TIMELINE[3], SNAP), { title: 'Half time', detail: 'ARS 1–1 CHE', spoken: 'Half time: 1–1' });
  const sub = { kind: 'substitution', team: 1, player: 'Sadio Novak', other: 'Cristian Bellamy', score: [0, 0] };
  assert.deepEqual(momentText(sub, SNAP), { title: 'Sadio Novak', detail: 'Off: Cristian Bellamy', spoken: 'Substitution Chelsea: Sadio Novak on for Cristian Bellamy' });
  assert.equal(momentText({ kind: 'second_yellow', team: 0, player: 'Youssef Mendes', score: [0, 0] }, SNAP).detail, 'Second yellow: sent off');
});

test('period ends are named by their minute; a level knockout tie after 90 minutes goes on', () => {
  assert.equal(periodEndName(45, SNAP, [1, 1]), 'Half time');
  assert.equal(periodEndName(90, SNAP, [1, 1]), 'Full time', 'a league match ends level');
  const knockout = { ...SNAP, knockout: true };
  assert.equal(periodEndName(90, knockout, [1, 1]), 'End of normal time');
  assert.equal(periodEndName(90, knockout, [2, 1]), 'Full time');
  assert.equal(periodEndName(105, knockout, [1, 1]), 'Extra time: half time');
  assert.equal(periodEndName(120, knockout, [1, 1]), 'End of extra time');
  assert.equal(periodEndName(40, { half_minutes: 40 }, [0, 0]), 'Half time');
});

test('team stats rows: possession unknown until measured, counts as numbers for the bars', () => {
  const stats = { shots: [18, 12], on_target: [7, 3], possession: null, corners: [6, 9], fouls: [14, 20], yellow: [5, 4], red: [1, 0], offsides: [3, 6], saves: [2, 6], subs: [5, 4] };
  const rows = statRows(stats);
  assert.deepEqual(rows[0], { key: 'possession', label: 'Possession', a: '–', b: '–', av: 0, bv: 0 });
  assert.deepEqual(rows.find((r) => r.key === 'shots'), { key: 'shots', label: 'Shots', a: '18', b: '12', av: 18, bv: 12 });
  assert.deepEqual(statRows({ ...stats, possession: [57, 43] })[0].a, '57%');
  assert.deepEqual(rows.map((r) => r.key), ['possession', 'shots', 'on_target', 'corners', 'fouls', 'offsides', 'saves', 'yellow', 'red']);
});

test('head-to-head shares and percentages', () => {
  assert.deepEqual(shares(18, 12), [60, 40]);
  assert.deepEqual(shares(1, 2), [33.3, 66.7]);
  assert.deepEqual(shares(0, 0), [0, 0]);
  assert.deepEqual(shares(-1, 3), [0, 100]);
  assert.equal(pctOf(49, 71), '69% (49/71)');
  assert.equal(pctOf(0, 0), '–');
});

test('feeds grow by what is new, and start over when the log is not a continuation', () => {
  const log = [{ seq: 1 }, { seq: 2 }, { seq: 3 }];
  assert.deepEqual(newEntries(log, 2, 2), { reset: false, from: 2 });
  assert.deepEqual(newEntries(log, 3, 3), { reset: false, from: 3 });
  assert.deepEqual(newEntries(log, 2, 7), { reset: true, from: 0 }, 'another match, or a fresh snapshot');
  assert.deepEqual(newEntries(log.slice(0, 1), 2, 2), { reset: true, from: 0 }, 'the log shrank');
  assert.deepEqual(newEntries(null, 0, null), { reset: false, from: 0 });
});

test('the registry: a view per sport, cricket for data without a sport, a plain page for unknown sports', () => {
  assert.deepEqual(Object.keys(SPORTS), ['cricket', 'football', 'basketball', 'tennis']);
  assert.equal(sportOf({ sport: 'tennis' }), 'tennis');
  assert.equal(sportOf({}), 'cricket');
  assert.equal(sportOf(null), 'cricket');
  assert.equal(viewFor('football'), SPORTS.football.View);
  assert.equal(viewFor('curling'), GenericView);
  assert.equal(viewFor('constructor'), GenericView);
  assert.equal(sportLabel('basketball'), 'Basketball');
  assert.equal(sportLabel('curling'), 'Curling');
  for (const s of Object.values(SPORTS)) assert.match(s.icon, /^<svg [^>]*viewBox="0 0 24 24"/);
});
