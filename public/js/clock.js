// Match clocks, pure: the football clock running on between events, and
// the names of periods.

import { num, obj, ordinal, str } from './format.js';

/** "67'", "45+2'". */
export function minuteText(minute, added = 0) {
  return added > 0 ? `${minute}+${added}'` : `${minute}'`;
}

/**
 * The football clock at `now` (ms since the epoch) from a snapshot's
 * `clock` ({period, running, minute, added, stoppage, label, from, to,
 * started_ts}).
 *
 * While the clock runs, the minute shown is the later of the last event's
 * and the one wall time gives since the period's kick-off (`from` + whole
 * minutes since `started_ts` + 1: the first minute of play is 1'). Past
 * the period's regular end (`to`) the wall clock counts added minutes, but
 * no further than the stoppage time announced: minutes beyond it come
 * from events only. A stopped clock shows the snapshot's label ("HT", "FT").
 *
 * @returns {{label: string, minute: number, added: number, running: boolean}}
 */
export function footballClock(clock, now) {
  const c = obj(clock) || {};
  const minute = num(c.minute);
  const added = num(c.added);
  const label = str(c.label);
  const started = num(c.started_ts);
  if (!c.running || !started) return { label, minute, added, running: Boolean(c.running) };
  const elapsed = Math.max(0, Math.floor((num(now) - started) / 60000));
  let wm = num(c.from) + elapsed + 1;
  let wa = 0;
  const to = num(c.to);
  if (to > 0 && wm > to) {
    wa = Math.min(wm - to, Math.max(0, num(c.stoppage)));
    wm = to;
  }
  if (wm > minute || (wm === minute && wa > added)) return { label: minuteText(wm, wa), minute: wm, added: wa, running: true };
  return { label: label || minuteText(minute, added), minute, added, running: true };
}

/**
 * Milliseconds from `now` until the running football clock can next change
 * (the next whole minute since the period's kick-off), or null when it is
 * stopped.
 */
export function nextClockChange(clock, now) {
  const c = obj(clock) || {};
  const started = num(c.started_ts);
  if (!c.running || !started) return null;
  const since = Math.max(0, num(now) - started);
  return 60000 - (since % 60000) + 50;
}

const PERIOD_NAMES = {
  first_half: 'First half',
  second_half: 'Second half',
  extra_time_first: 'Extra time, first half',
  extra_time_second: 'Extra time, second half',
  shootout: 'Penalty shoot-out',
};

const BREAK_NAMES = { HT: 'Half time', "End 90'": 'End of normal time', 'ET HT': 'Extra time: half time', 'End ET': 'End of extra time' };
const FINAL_NAMES = { FT: 'Full time', AET: 'After extra time', Pens: 'After penalties', Abd: 'Abandoned' };

/** Where a football match is, in words: "Second half", "Half time", "Full time" … */
export function footballPhase(s) {
  const snap = obj(s) || {};
  const c = obj(snap.clock) || {};
  const status = str(snap.status, 'scheduled');
  const label = str(c.label);
  if (status === 'scheduled' || (!c.period && status !== 'completed' && status !== 'abandoned')) return 'Before kick-off';
  if (status === 'completed' || status === 'abandoned') return FINAL_NAMES[label] || (status === 'abandoned' ? 'Abandoned' : 'Full time');
  if (c.period === 'shootout') return PERIOD_NAMES.shootout;
  if (c.running) return PERIOD_NAMES[c.period] || '';
  return BREAK_NAMES[label] || '';
}

/** Basketball period names: 1 → "1st quarter", 5 → "Overtime", 6 → "2nd overtime". */
export function basketballPeriodName(n) {
  const p = num(n);
  if (p <= 0) return '';
  if (p <= 4) return `${ordinal(p)} quarter`;
  return p === 5 ? 'Overtime' : `${ordinal(p - 4)} overtime`;
}

/** Linescore headings: "1" … "4", "OT", "2OT" … */
export function periodHeading(index) {
  const p = index + 1;
  if (p <= 4) return String(p);
  return p === 5 ? 'OT' : `${p - 4}OT`;
}

/** "9:41" from seconds. */
export function mmss(secs) {
  const s = Math.max(0, Math.floor(num(secs)));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
