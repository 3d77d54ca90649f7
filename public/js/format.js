// Small pure helpers for the cricket views: text, numbers, chips.
// Everything is defensive: a missing or odd field yields a blank, never a throw.

export const num = (v, d = 0) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
export const str = (v, d = '') => (typeof v === 'string' ? v : v == null ? d : String(v));
export const arr = (v) => (Array.isArray(v) ? v : []);
export const obj = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);

/** Same rule as the server: initials of a multi-word name, else 3 letters. */
export function abbreviation(team) {
  const words = str(team).trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '';
  if (words.length === 1) return words[0].slice(0, 3).toUpperCase();
  return words.map((w) => w[0]).join('').toUpperCase();
}

/** "1st", "2nd", "3rd", "4th", "11th". */
export function ordinal(n) {
  const v = Math.abs(n) % 100;
  const s = v >= 11 && v <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][v % 10] || 'th';
  return `${n}${s}`;
}

/** Two decimals, or a dash when not a number. */
export function rate(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : '–';
}

/** A ball chip's kind, for colour-coding. */
export function chipKind(chip) {
  const c = str(chip).trim();
  if (c === '') return 'none';
  if (c === 'W' || c.endsWith('+W')) return 'wicket';
  if (c === '6') return 'six';
  if (c === '4') return 'four';
  if (/(wd|nb|lb|b|p)/.test(c)) return 'extra';
  if (c === '0') return 'dot';
  return 'runs';
}

/** How a chip is shown: a dot ball as "•". */
export function chipLabel(chip) {
  const c = str(chip).trim();
  return c === '0' ? '•' : c;
}

/** Spoken form of a chip for screen readers. */
export function chipSpoken(chip) {
  const c = str(chip).trim();
  const k = chipKind(c);
  if (k === 'dot') return 'dot ball';
  if (k === 'four') return 'four';
  if (k === 'six') return 'six';
  if (c === 'W') return 'wicket';
  return c
    .replace(/\+W$/, ' and a wicket')
    .replace(/(\d*)wd/, (_, n) => `${n || 1} wide`)
    .replace(/(\d*)nb/, (_, n) => (n ? `${n} off a no-ball` : 'no-ball'))
    .replace(/(\d+)lb/, '$1 leg bye')
    .replace(/(\d+)b(?!a)/, '$1 bye')
    .replace(/\+?(\d+)p/, ' plus $1 penalty')
    .replace(/^(\d+)$/, (_, n) => (n === '1' ? '1 run' : `${n} runs`));
}

/** The label of an innings tab: "RR · 1st innings", "Super Over 1 · DC". */
export function inningsLabel(inn, index, innings) {
  const team = abbreviation(inn && inn.team) || 'Innings';
  if (inn && inn.super_over) {
    const n = arr(innings).slice(0, index + 1).filter((i) => i && i.super_over).length;
    const k = n > 2 ? ` ${Math.ceil(n / 2)}` : '';
    return { short: `Super Over${k} · ${team}`, long: `Super Over${k}: ${str(inn.team)}` };
  }
  const main = arr(innings).slice(0, index + 1).filter((i) => i && !i.super_over).length;
  return { short: `${team} ${ordinal(main)}`, long: `${str(inn && inn.team)}, ${ordinal(main)} innings` };
}

/** "133/3", as in the lobby summary. */
export function scoreText(inn) {
  if (!inn) return '';
  return `${num(inn.runs)}/${num(inn.wickets)}`;
}

/** "(b 1, lb 2, w 5, nb 1)" */
export function extrasText(x) {
  const e = obj(x) || {};
  const parts = [];
  if (num(e.byes)) parts.push(`b ${e.byes}`);
  if (num(e.legbyes)) parts.push(`lb ${e.legbyes}`);
  if (num(e.wides)) parts.push(`w ${e.wides}`);
  if (num(e.noballs)) parts.push(`nb ${e.noballs}`);
  if (num(e.penalty)) parts.push(`pen ${e.penalty}`);
  return parts.length ? `(${parts.join(', ')})` : '';
}

/** "(6 wkts, 18.1 ov, RR 7.32)" */
export function totalDetail(inn) {
  if (!inn) return '';
  const w = num(inn.wickets);
  const parts = [];
  if (w >= 10) parts.push('all out');
  else parts.push(`${w} wkt${w === 1 ? '' : 's'}`);
  parts.push(`${str(inn.overs, '0')} ov`);
  if (typeof inn.run_rate === 'number') parts.push(`RR ${rate(inn.run_rate)}`);
  return `(${parts.join(', ')})`;
}

/** "1-23 (Buttler, 3.2 ov)" */
export function fowText(f) {
  if (!f) return '';
  return `${num(f.wicket)}-${num(f.runs)} (${str(f.player)}, ${str(f.over)} ov)`;
}

/** Balls from an overs string like "18.1" (balls per over `bpo`). */
export function oversToBalls(overs, bpo = 6) {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(str(overs));
  if (!m) return 0;
  return Number(m[1]) * bpo + Number(m[2] || 0);
}

/**
 * Projected total of a first innings at the current rate, or null when it
 * means nothing (chasing, finished, super over, too early).
 */
export function projected(inn, bpo = 6) {
  if (!inn || inn.super_over || inn.closed || inn.target != null) return null;
  const balls = num(inn.legal_balls);
  const maxBalls = num(inn.max_overs) * bpo;
  if (balls < bpo * 2 || maxBalls <= balls) return null;
  return Math.round((num(inn.runs) / balls) * maxBalls);
}

/** "Updated 3 min ago" style relative time. */
export function ago(ms, now = Date.now()) {
  if (!num(ms)) return '';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

const STATUS_ORDER = { live: 0, scheduled: 1, completed: 2, abandoned: 2 };

/** Lobby order: live first, then upcoming, then finished; newest first within. */
export function lobbyOrder(a, b) {
  const sa = STATUS_ORDER[a && a.status] ?? 4;
  const sb = STATUS_ORDER[b && b.status] ?? 4;
  if (sa !== sb) return sa - sb;
  const ua = num(a && a.updated);
  const ub = num(b && b.updated);
  if (ua !== ub) return ub - ua;
  return str(a && a.id).localeCompare(str(b && b.id));
}

/** The lobby section a status belongs to. */
export function lobbySection(status) {
  if (status === 'live') return 'live';
  if (status === 'scheduled') return 'upcoming';
  return 'finished';
}

/** A title for the browser tab. */
export function docTitle(snap) {
  const s = obj(snap);
  if (!s) return 'livematch';
  const teams = arr(s.teams).map(abbreviation).join(' v ');
  const cur = obj(s.current);
  if (s.status === 'live' && cur) {
    const team = abbreviation(cur.batting_team);
    return `${team} ${num(cur.runs)}/${num(cur.wickets)} (${str(cur.overs, '0')}) · ${teams} · livematch`;
  }
  if (s.result) return `${str(s.result)} · livematch`;
  return `${teams || 'Match'} · livematch`;
}
