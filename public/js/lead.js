// The basketball lead tracker, pure: the margin (first side minus second)
// after every score as a step chart over game time, shaded by who leads,
// plus the usual lead numbers (lead changes, times tied, largest leads).
//
// One point per entry of the snapshot's `lead` (data-testid lead-point,
// with data-seq and data-margin); colours come from CSS classes (s0, s1).

import { esc, niceScale } from './charts.js';
import { arr, num, obj, str } from './format.js';
import { periodHeading } from './clock.js';

/** Seconds in an overtime period (NBA and FIBA alike). */
export const OT_SECONDS = 300;

/**
 * Lead changes (the lead passing from one side to the other, ties in
 * between or not), times tied (scores that level the game, 0–0 aside),
 * each side's largest lead, and the current margin.
 */
export function leadStats(lead) {
  let changes = 0;
  let ties = 0;
  let leader = 0;
  const largest = [0, 0];
  let margin = 0;
  for (const p of arr(lead)) {
    const m = num(obj(p) && p.margin);
    margin = m;
    if (m === 0) {
      ties += 1;
      continue;
    }
    const side = m > 0 ? 1 : -1;
    if (leader !== 0 && side !== leader) changes += 1;
    leader = side;
    if (m > 0) largest[0] = Math.max(largest[0], m);
    else largest[1] = Math.max(largest[1], -m);
  }
  return { changes, ties, largest, margin };
}

/**
 * Where each period starts and ends in seconds since tip-off: four
 * quarters of `quarterMinutes`, then overtimes of five minutes, as many as
 * `periods` says were (or are being) played.
 */
export function periodBounds(quarterMinutes, periods) {
  const q = Math.max(1, num(quarterMinutes, 12)) * 60;
  const n = Math.max(4, num(periods));
  const out = [0];
  for (let p = 1; p <= n; p += 1) out.push(out[p - 1] + (p <= 4 ? q : OT_SECONDS));
  return out;
}

/** Seconds since tip-off at the snapshot's game clock (for extending the line to "now"). */
export function elapsedNow(snap, bounds) {
  const s = obj(snap) || {};
  const per = obj(s.period) || {};
  const p = num(per.number);
  if (p <= 0) return 0;
  const start = bounds[p - 1] ?? bounds[bounds.length - 1];
  return start + Math.max(0, num(per.length) - num(per.clock));
}

/**
 * The step line's points: [[seconds, margin], …] from tip-off (0, 0), one
 * step per score, held on to `until` seconds.
 */
export function leadSeries(lead, until = 0) {
  const pts = [[0, 0]];
  let y = 0;
  for (const p of arr(lead)) {
    const e = obj(p);
    if (!e) continue;
    const x = num(e.elapsed);
    pts.push([x, y], [x, num(e.margin)]);
    y = num(e.margin);
  }
  const last = pts[pts.length - 1][0];
  if (until > last) pts.push([until, y]);
  return pts;
}

const M = { left: 34, right: 12, top: 14, bottom: 26 };
const f1 = (x) => (Math.round(x * 10) / 10).toString();

/**
 * The chart's SVG markup.
 * @param {object[]} lead     the snapshot's `lead`
 * @param {object} o
 * @param {number[]} o.bounds period boundaries in seconds ({@link periodBounds})
 * @param {string[]} o.codes  the sides' short names
 * @param {number} [o.until]  seconds played so far (the line is held to here)
 * @param {number} [o.width]  CSS pixels
 * @param {string} [o.id]     unique prefix for ids
 * @param {(p: object) => string} [o.label]  a point's tooltip
 */
export function leadSvg(lead, { bounds, codes = ['', ''], until = 0, width = 640, id = 'lead', label = null } = {}) {
  const W = Math.round(Math.min(900, Math.max(280, num(width, 640))));
  const H = W < 480 ? 200 : 240;
  const PW = W - M.left - M.right;
  const PH = H - M.top - M.bottom;
  const entries = arr(lead).filter((p) => obj(p));
  const total = Math.max(bounds[bounds.length - 1] || 2880, ...entries.map((p) => num(p.elapsed)), until);
  let top = 5;
  for (const p of entries) top = Math.max(top, Math.abs(num(p.margin)));
  const { max: maxY, step } = niceScale(top, 3);
  const x = (secs) => M.left + (secs / total) * PW;
  const y = (m) => M.top + PH / 2 - (m / maxY) * (PH / 2);
  let body = '';
  for (let v = -maxY; v <= maxY + 1e-9; v += step) {
    const yy = f1(y(v));
    body += `<line class="${v === 0 ? 'axis' : 'grid'}" x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}"/>`;
    body += `<text class="tick" x="${M.left - 5}" y="${f1(y(v) + 4)}" text-anchor="end">${Math.abs(Math.round(v))}</text>`;
  }
  bounds.forEach((b, i) => {
    if (i > 0 && i < bounds.length - 1) body += `<line class="grid period-line" x1="${f1(x(b))}" x2="${f1(x(b))}" y1="${M.top}" y2="${M.top + PH}"/>`;
    if (i < bounds.length - 1) {
      body += `<text class="tick" x="${f1(x((b + bounds[i + 1]) / 2))}" y="${H - 8}" text-anchor="middle">${i < 4 ? `Q${i + 1}` : periodHeading(i)}</text>`;
    }
  });
  body += `<text class="tick lead-side s0" x="${M.left + 4}" y="${M.top + 10}">${esc(codes[0])} ahead</text>`;
  body += `<text class="tick lead-side s1" x="${M.left + 4}" y="${M.top + PH - 4}">${esc(codes[1])} ahead</text>`;
  const pts = leadSeries(entries, until);
  const line = pts.map(([a, b]) => `${f1(x(a))},${f1(y(b))}`).join(' ');
  const zero = f1(y(0));
  const area = `M${f1(x(0))},${zero} L${line.replace(/ /g, ' L')} L${f1(x(pts[pts.length - 1][0]))},${zero} Z`;
  body += `<clipPath id="${id}-up"><rect x="0" y="0" width="${W}" height="${zero}"/></clipPath>`;
  body += `<clipPath id="${id}-down"><rect x="0" y="${zero}" width="${W}" height="${H}"/></clipPath>`;
  body += `<path class="lead-area s0" clip-path="url(#${id}-up)" d="${area}"/>`;
  body += `<path class="lead-area s1" clip-path="url(#${id}-down)" d="${area}"/>`;
  body += `<polyline class="lead-line" fill="none" points="${line}"/>`;
  let dots = '';
  for (const p of entries) {
    const m = num(p.margin);
    const cls = m > 0 ? 's0' : m < 0 ? 's1' : 'tie';
    const tip = label ? label(p) : `${num(p.elapsed)} s: ${m}`;
    dots += `<circle class="lead-pt ${cls}" data-testid="lead-point" data-seq="${num(p.seq)}" data-margin="${m}" data-elapsed="${num(p.elapsed)}" cx="${f1(x(num(p.elapsed)))}" cy="${f1(y(m))}" r="2.2"><title>${esc(tip)}</title></circle>`;
  }
  body += `<g class="lead-pts">${dots}</g>`;
  if (entries.length === 0) body += `<text class="empty" x="${W / 2}" y="${M.top + PH / 2 - 8}" text-anchor="middle">The lead tracker starts with the first basket</text>`;
  const st = leadStats(entries);
  const desc = entries.length
    ? `${st.changes} lead change${st.changes === 1 ? '' : 's'}, tied ${st.ties} time${st.ties === 1 ? '' : 's'}; largest leads ${esc(codes[0])} ${st.largest[0]}, ${esc(codes[1])} ${st.largest[1]}`
    : 'No points scored yet';
  return (
    `<svg viewBox="0 0 ${W} ${H}" class="chart lead-chart" role="img" aria-labelledby="${id}-t ${id}-d" preserveAspectRatio="xMidYMid meet">` +
    `<title id="${id}-t">${esc(`Lead tracker: ${str(codes[0])} margin over ${str(codes[1])}`)}</title><desc id="${id}-d">${desc}</desc>${body}</svg>`
  );
}
