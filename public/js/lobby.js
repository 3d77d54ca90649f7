// The lobby: every match, live ones first, updated in place as lobby
// updates arrive (rows are keyed by match id and moved only when the order
// changes).

import { h, setText, setAttr, show, flash } from './dom.js';
import { arr, str, num, lobbyOrder, lobbySection, ago } from './format.js';

const SECTIONS = [
  { key: 'live', title: 'Live now' },
  { key: 'upcoming', title: 'Upcoming' },
  { key: 'finished', title: 'Results' },
];

const STATUS_TEXT = { live: 'Live', scheduled: 'Upcoming', completed: 'Finished', abandoned: 'Abandoned' };

export function matchHref(id) {
  return `#/match/${encodeURIComponent(id)}`;
}

function metaText(e) {
  const t = num(e.updated);
  const recent = t && Date.now() - t < 7 * 86400e3 && t <= Date.now() + 60e3;
  return recent ? `Updated ${ago(t)}` : '';
}

export class LobbyView {
  constructor() {
    this.rows = new Map(); // id → {li, parts}
    this.sections = {};
    this.el = h('section', { class: 'lobby', attrs: { 'aria-labelledby': 'lobby-h' }, testid: 'lobby' });
    this.heading = h('h1', { id: 'lobby-h', tabindex: '-1', text: 'Matches' });
    this.status = h('p', { class: 'lobby-status muted', testid: 'lobby-status', text: 'Loading matches…' });
    this.el.append(this.heading, this.status);
    for (const s of SECTIONS) {
      const list = h('ul', { class: 'lobby-list', data: { section: s.key }, attrs: { 'aria-labelledby': `lobby-${s.key}` } });
      const wrap = h('div', { class: `lobby-section lobby-${s.key}`, hidden: true },
        h('h2', { id: `lobby-${s.key}`, text: s.title }), list);
      this.sections[s.key] = { wrap, list };
      this.el.append(wrap);
    }
    this.loaded = false;
  }

  /** Replace everything with `entries` (an object keyed by id, or an array). */
  setAll(entries, loaded = true) {
    const list = Array.isArray(entries) ? entries : Object.values(entries || {});
    const keep = new Set(list.map((e) => e && e.id));
    for (const [id, r] of this.rows) {
      if (!keep.has(id)) {
        r.li.remove();
        this.rows.delete(id);
      }
    }
    for (const e of list) if (e && e.id != null) this.upsert(e, false);
    this.loaded = this.loaded || loaded;
    this.reorder();
  }

  /** Add or update one entry. */
  update(entry) {
    if (!entry || entry.id == null) return;
    this.upsert(entry, true);
    this.reorder();
  }

  upsert(e, highlight) {
    let r = this.rows.get(e.id);
    if (!r) {
      r = this.createRow(e);
      this.rows.set(e.id, r);
    }
    const teams = arr(e.teams).map((t) => str(t)).filter(Boolean);
    const status = str(e.status, 'scheduled');
    const oldSummary = r.summary.textContent;
    r.entry = e;
    setAttr(r.li, 'data-status', status);
    setText(r.teams, teams.length ? teams.join(' v ') : str(e.id));
    setText(r.badge, STATUS_TEXT[status] || status);
    setAttr(r.badge, 'data-status', status);
    const summary = str(e.summary) || (status === 'scheduled' ? 'Yet to start' : '');
    setText(r.summary, summary);
    setText(r.result, str(e.result));
    show(r.result, Boolean(e.result));
    setText(r.meta, metaText(e));
    const label = [teams.join(' versus '), STATUS_TEXT[status] || status, summary, str(e.result)].filter(Boolean).join(', ');
    setAttr(r.link, 'aria-label', label);
    if (highlight && oldSummary && oldSummary !== summary) flash(r.summary);
  }

  createRow(e) {
    const badge = h('span', { class: 'badge' });
    const teams = h('span', { class: 'lobby-teams' });
    const summary = h('span', { class: 'lobby-summary', testid: 'lobby-summary' });
    const result = h('span', { class: 'lobby-result', testid: 'lobby-result', hidden: true });
    const meta = h('span', { class: 'lobby-meta muted' });
    const link = h('a', { class: 'lobby-link', href: matchHref(e.id) },
      h('span', { class: 'lobby-top' }, badge, teams), summary, result, meta);
    const li = h('li', { class: 'lobby-row', testid: 'lobby-row', data: { 'match-id': e.id } }, link);
    return { li, link, badge, teams, summary, result, meta, entry: e };
  }

  reorder() {
    const all = [...this.rows.values()].sort((a, b) => lobbyOrder(a.entry, b.entry));
    const by = { live: [], upcoming: [], finished: [] };
    for (const r of all) by[lobbySection(r.entry.status)].push(r.li);
    for (const s of SECTIONS) {
      const { wrap, list } = this.sections[s.key];
      const want = by[s.key];
      const have = [...list.children];
      const same = want.length === have.length && want.every((li, i) => li === have[i]);
      if (!same) {
        // Appending an existing node moves it; only touch what is out of place.
        want.forEach((li, i) => {
          if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
        });
      }
      show(wrap, want.length > 0);
    }
    if (this.rows.size === 0) {
      setText(this.status, this.loaded ? 'No matches yet. New matches appear here as soon as they are scheduled.' : 'Loading matches…');
      show(this.status, true);
    } else {
      const live = by.live.length;
      setText(this.status, live ? `${live} match${live === 1 ? '' : 'es'} live` : 'No match is live right now');
      show(this.status, true);
    }
  }

  /** Refresh the relative times. */
  tick() {
    for (const r of this.rows.values()) {
      setText(r.meta, metaText(r.entry));
    }
  }
}
