// Match clocks (public/js/clock.js): the football clock running on between
// events from the snapshot's clock fields, period names.
// Run: node --test tests/web/
import test from 'node:test';
import assert from 'node:assert/strict';
import { basketballPeriodName, footballClock, footballPhase, minuteText, mmss, nextClockChange, periodHeading } from '../../public/js/clock.js';

const KICK_OFF = 1740845100000; // second half under way from here
const MIN = 60000;

/** A second-half clock as the engine writes it: last event at `minute`. */
function secondHalf(minute, added = 0, stoppage = null) {
  return { period: 'second_half', running: true, minute, added, stoppage, label: minuteText(minute, added), from: 45, to: 90, started_ts: KICK_OFF };
}

test('a running clock moves on with wall time past the last event', () => {
  // Last event at 50', 12 minutes and a bit after the kick-off of the half: 45 + 12 + 1.
  const c = footballClock(secondHalf(50), KICK_OFF + 12 * MIN + 5000);
  assert.deepEqual(c, { label: "58'", minute: 58, added: 0, running: true });
  // The first minute of a period is from + 1.
  assert.equal(footballClock(secondHalf(46), KICK_OFF + 1000).label, "46'");
  assert.equal(footballClock(secondHalf(46), KICK_OFF + MIN).label, "47'");
});

test('the last event wins when it is ahead of wall time (a replay faster than real time)', () => {
  const c = footballClock(secondHalf(78), KICK_OFF + 2 * MIN);
  assert.deepEqual(c, { label: "78'", minute: 78, added: 0, running: true });
  assert.equal(footballClock(secondHalf(90, 3, 4), KICK_OFF + 30 * MIN).label, "90+3'");
});

test('past the regular end the wall clock counts added minutes, up to the stoppage announced', () => {
  // 47 minutes after kick-off: 45 + 47 + 1 = 93 → 90+3 with 4 announced.
  assert.equal(footballClock(secondHalf(89, 0, 4), KICK_OFF + 47 * MIN).label, "90+3'");
  // 60 minutes after: capped at the 4 announced.
  assert.equal(footballClock(secondHalf(89, 0, 4), KICK_OFF + 60 * MIN).label, "90+4'");
  // No board yet: the clock waits at 90' for the next event.
  assert.equal(footballClock(secondHalf(89), KICK_OFF + 50 * MIN).label, "90'");
  // An event beyond the board still shows.
  assert.equal(footballClock(secondHalf(90, 6, 4), KICK_OFF + 60 * MIN).label, "90+6'");
});

test('a stopped clock shows the snapshot label; a clock before its start never runs backwards', () => {
  const ht = { period: 'first_half', running: false, minute: 45, added: 2, stoppage: 2, label: 'HT', from: 0, to: 45, started_ts: KICK_OFF };
  assert.deepEqual(footballClock(ht, KICK_OFF + 90 * MIN), { label: 'HT', minute: 45, added: 2, running: false });
  assert.equal(footballClock(secondHalf(46), KICK_OFF - 30000).label, "46'", 'browser clock behind the server');
  assert.equal(footballClock(null, KICK_OFF).label, '');
  assert.equal(nextClockChange(ht, KICK_OFF), null);
});

test('the clock is re-armed for the next whole minute since kick-off', () => {
  assert.equal(nextClockChange(secondHalf(50), KICK_OFF + 12 * MIN + 15000), 45000 + 50);
  assert.equal(nextClockChange(secondHalf(50), KICK_OFF), 60000 + 50);
});

test('football phase in words, from status and clock', () => {
  const snap = (status, clock) => ({ status, clock });
  assert.equal(footballPhase(snap('scheduled', { period: null, running: false, label: '' })), 'Before kick-off');
  assert.equal(footballPhase(snap('live', secondHalf(60))), 'Second half');
  assert.equal(footballPhase(snap('live', { period: 'first_half', running: false, label: 'HT' })), 'Half time');
  assert.equal(footballPhase(snap('live', { period: 'second_half', running: false, label: "End 90'" })), 'End of normal time');
  assert.equal(footballPhase(snap('live', { period: 'shootout', running: false, label: 'Pens' })), 'Penalty shoot-out');
  assert.equal(footballPhase(snap('completed', { period: 'extra_time_second', running: false, label: 'AET' })), 'After extra time');
  assert.equal(footballPhase(snap('completed', { period: 'shootout', running: false, label: 'Pens' })), 'After penalties');
  assert.equal(footballPhase(snap('completed', { period: 'second_half', running: false, label: 'FT' })), 'Full time');
});

test('basketball periods: quarters, then overtimes', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(basketballPeriodName), ['1st quarter', '2nd quarter', '3rd quarter', '4th quarter', 'Overtime', '2nd overtime', '3rd overtime']);
  assert.deepEqual([0, 3, 4, 5, 6].map(periodHeading), ['1', '4', 'OT', '2OT', '3OT']);
  assert.equal(basketballPeriodName(0), '');
  assert.deepEqual([581, 59, 0, 720].map(mmss), ['9:41', '0:59', '0:00', '12:00']);
});
