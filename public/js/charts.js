// Hand-written SVG charts: the worm (cumulative runs per over, both innings
// on one plot, wickets as dots) and the Manhattan (runs per over as bars,
// innings side by side, wickets marked above the bars).
//
// Pure functions returning SVG markup, so they run under node too. One
// point / bar per over, each with data-over and data-innings (tests count
// them); colours come from CSS classes (s0, s1).

import { abbreviation, arr, num, str } from './format.js';

const M = { left: 42, right: 14, top: 16, bottom: 30 };

/** Chart geometry for a width in CSS pixels (1 unit = 1 px, so text stays legible). */
function dims(width) {
  const W = Math.round(Math.min(900, Math.max(280, Number(width) || 640)));
  const H = W < 480 ? 220 : 260;
  return { W, H, PW: W - M.left - M.right, PH: H - M.top - M.bottom };
}

export function esc(s) {
  return str(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const f1 = (x) => (Math.round(x * 10) / 10).toString();

/** A round axis maximum at or above `v`, and its tick step. */
export function niceScale(v, ticks = 5) {
  const max = Math.max(1, v);
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  return { max: Math.ceil(max / step) * step, step };
}

/** The innings the charts show: the main (non super-over) innings, at most two. */
export function chartInnings(snapshot) {
  const all = arr(snapshot && snapshot.innings);
  const out = [];
  all.forEach((inn, index) => {
    if (inn && !inn.super_over && out.length < 2) out.push({ ...inn, index, series: out.length });
  });
  return out;
}

function overTicks(maxOvers) {
  const step = maxOvers <= 10 ? 1 : maxOvers <= 20 ? 5 : 10;
  const t = [];
  for (let o = 0; o <= maxOvers; o += step) t.push(o);
  if (t[t.length - 1] !== maxOvers) t.push(maxOvers);
  return t;
}

function maxOversOf(innings) {
  let m = 0;
  for (const inn of innings) {
    m = Math.max(m, num(inn.max_overs));
    for (const o of arr(inn.overs_detail)) m = Math.max(m, num(o && o.over));
  }
  return Math.max(1, m || 20);
}

function frame({ W, H }, id, title, desc, body) {
  return (
    `<svg viewBox="0 0 ${W} ${H}" class="chart" role="img" aria-labelledby="${id}-t ${id}-d" preserveAspectRatio="xMidYMid meet">` +
    `<title id="${id}-t">${esc(title)}</title><desc id="${id}-d">${esc(desc)}</desc>${body}</svg>`
  );
}

function yAxis({ W, PH }, maxY, step, label) {
  let s = '';
  for (let v = 0; v <= maxY + 1e-9; v += step) {
    const y = M.top + PH - (v / maxY) * PH;
    s += `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${f1(y)}" y2="${f1(y)}"/>`;
    s += `<text class="tick" x="${M.left - 6}" y="${f1(y + 4)}" text-anchor="end">${Math.round(v)}</text>`;
  }
  s += `<text class="axis-label" transform="translate(12 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle">${esc(label)}</text>`;
  return s;
}

function describe(innings) {
  return innings.map((i) => `${str(i.team)} ${num(i.runs)}/${num(i.wickets)} in ${str(i.overs, '0')} overs`).join('; ');
}

/** Worm chart markup. */
export function wormSvg(innings, { bpo = 6, id = 'worm', width = 640 } = {}) {
  const d = dims(width);
  const { W, H, PW, PH } = d;
  const inns = arr(innings);
  const maxOvers = maxOversOf(inns);
  let top = 0;
  for (const inn of inns) {
    top = Math.max(top, num(inn.runs));
    for (const o of arr(inn.overs_detail)) top = Math.max(top, num(o && o.cumulative));
    if (inn.target != null) top = Math.max(top, num(inn.target));
  }
  const { max: maxY, step } = niceScale(top || 10);
  const x = (overs) => M.left + (overs / maxOvers) * PW;
  const y = (runs) => M.top + PH - (runs / maxY) * PH;
  let body = yAxis(d, maxY, step, 'Runs');
  for (const o of overTicks(maxOvers)) {
    body += `<text class="tick" x="${f1(x(o))}" y="${H - M.bottom + 16}" text-anchor="middle">${o}</text>`;
  }
  body += `<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${M.top + PH}" y2="${M.top + PH}"/>`;
  for (const inn of inns) {
    if (inn.target != null && num(inn.target) > 0) {
      const ty = f1(y(num(inn.target)));
      body += `<line class="target s${inn.series}" x1="${M.left}" x2="${W - M.right}" y1="${ty}" y2="${ty}"/>`;
      body += `<text class="tick target-label" x="${W - M.right - 2}" y="${f1(y(num(inn.target)) - 4)}" text-anchor="end">Target ${num(inn.target)}</text>`;
    }
  }
  for (const inn of inns) {
    const overs = arr(inn.overs_detail).filter((o) => o && typeof o === 'object');
    const pts = [[0, 0]];
    for (const o of overs) {
      const lb = o.legal_balls == null ? bpo : Math.min(num(o.legal_balls), bpo);
      pts.push([num(o.over) - 1 + lb / bpo, num(o.cumulative)]);
    }
    const team = abbreviation(inn.team);
    let g = `<g class="series s${inn.series}" data-innings="${inn.index}">`;
    g += `<polyline class="line" fill="none" points="${pts.map(([a, b]) => `${f1(x(a))},${f1(y(b))}`).join(' ')}"/>`;
    overs.forEach((o, k) => {
      const [px, py] = pts[k + 1];
      const w = num(o.wickets);
      g +=
        `<circle class="pt" data-testid="worm-point" data-innings="${inn.index}" data-over="${num(o.over)}" data-runs="${num(o.cumulative)}" cx="${f1(x(px))}" cy="${f1(y(py))}" r="2.6">` +
        `<title>${esc(team)} after over ${num(o.over)}: ${num(o.cumulative)}</title></circle>`;
      if (w > 0) {
        g +=
          `<circle class="wkt" data-testid="worm-wicket" data-innings="${inn.index}" data-over="${num(o.over)}" data-wickets="${w}" cx="${f1(x(px))}" cy="${f1(y(py))}" r="${w > 1 ? 6.5 : 5}">` +
          `<title>${esc(team)} over ${num(o.over)}: ${w} wicket${w > 1 ? 's' : ''}</title></circle>`;
        if (w > 1) g += `<text class="wkt-n" x="${f1(x(px))}" y="${f1(y(py) + 3.5)}" text-anchor="middle">${w}</text>`;
      }
    });
    body += `${g}</g>`;
  }
  if (inns.length === 0) {
    body += `<text class="empty" x="${W / 2}" y="${H / 2}" text-anchor="middle">The worm starts with the first ball</text>`;
  }
  return frame(d, id, 'Worm: cumulative runs per over', describe(inns) || 'No overs bowled yet', body);
}

/** Manhattan chart markup. */
export function manhattanSvg(innings, { id = 'manhattan', width = 640 } = {}) {
  const d = dims(width);
  const { W, H, PW, PH } = d;
  const inns = arr(innings);
  const maxOvers = maxOversOf(inns);
  let top = 0;
  let maxW = 0;
  for (const inn of inns) {
    for (const o of arr(inn.overs_detail)) {
      top = Math.max(top, num(o && o.runs));
      maxW = Math.max(maxW, num(o && o.wickets));
    }
  }
  // Headroom for the wicket markers above the tallest bar.
  const { max: maxY, step } = niceScale(Math.max(6, top + (maxW ? maxW * 2 + 1 : 0)));
  const band = PW / maxOvers;
  // Room for two innings from the start, so bars keep their width when the chase begins.
  const series = Math.max(2, inns.length);
  const barW = (band * 0.8) / series;
  const y = (runs) => M.top + PH - (runs / maxY) * PH;
  let body = yAxis(d, maxY, step, 'Runs in over');
  for (const o of overTicks(maxOvers)) {
    if (o === 0) continue;
    body += `<text class="tick" x="${f1(M.left + (o - 0.5) * band)}" y="${H - M.bottom + 16}" text-anchor="middle">${o}</text>`;
  }
  body += `<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${M.top + PH}" y2="${M.top + PH}"/>`;
  for (const inn of inns) {
    const team = abbreviation(inn.team);
    let g = `<g class="series s${inn.series}" data-innings="${inn.index}">`;
    for (const o of arr(inn.overs_detail)) {
      if (!o || typeof o !== 'object') continue;
      const over = num(o.over);
      const runs = num(o.runs);
      const w = num(o.wickets);
      const bx = M.left + (over - 1) * band + band * 0.1 + inn.series * barW;
      const by = y(runs);
      const bh = Math.max(1, M.top + PH - by);
      g +=
        `<rect class="bar" data-testid="manhattan-bar" data-innings="${inn.index}" data-over="${over}" data-runs="${runs}" data-wickets="${w}" x="${f1(bx)}" y="${f1(M.top + PH - bh)}" width="${f1(Math.max(1, barW - 1))}" height="${f1(bh)}">` +
        `<title>${esc(team)} over ${over}: ${runs} run${runs === 1 ? '' : 's'}${w ? `, ${w} wicket${w > 1 ? 's' : ''}` : ''}</title></rect>`;
      const r = Math.max(2, Math.min(4, barW / 2 - 0.5));
      for (let k = 0; k < w; k += 1) {
        g += `<circle class="wkt" data-testid="manhattan-wicket" data-innings="${inn.index}" data-over="${over}" cx="${f1(bx + (barW - 1) / 2)}" cy="${f1(M.top + PH - bh - r - 2 - k * (2 * r + 1.5))}" r="${f1(r)}"/>`;
      }
    }
    body += `${g}</g>`;
  }
  if (inns.length === 0) {
    body += `<text class="empty" x="${W / 2}" y="${H / 2}" text-anchor="middle">Runs per over appear after the first ball</text>`;
  }
  return frame(d, id, 'Manhattan: runs per over', describe(inns) || 'No overs bowled yet', body);
}
