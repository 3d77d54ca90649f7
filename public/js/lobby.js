// The lobby: every match of every sport, live ones first, updated in place
// as lobby updates arrive (rows are keyed by match id and moved only when
// the order changes). Each row names its sport; with more than one sport
// listed, a filter shows one sport at a time.

import { h, setText, setAttr, show, flash } from './dom.js';
import { arr, str, num, lobbyOrder, lobbySection, ago } from './format.js';
import { SPORTS, sportLabel, sportOf } from './sports.js';

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
    this.filter = 'all';
    this.filterBar = h('div', { class: 'lobby-filter', testid: 'lobby-filter', hidden: true, attrs: { role: 'group', 'aria-label': 'Show matches of' } });
    this.filterBar.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-sport]');
      if (b) this.setFilter(b.dataset.sport);
    });
    this.el.append(this.heading, this.filterBar, this.status);
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
    const sport = sportOf(e);
    if (r.li.dataset.sport !== sport) {
      setAttr(r.li, 'data-sport', sport);
      r.sportIcon.innerHTML = SPORTS[sport] ? SPORTS[sport].icon : '';
      setText(r.sportName, sportLabel(sport));
    }
    setAttr(r.li, 'data-status', status);
    setText(r.teams, teams.length ? teams.join(' v ') : str(e.id));
    setText(r.badge, STATUS_TEXT[status] || status);
    setAttr(r.badge, 'data-status', status);
    const summary = str(e.summary) || (status === 'scheduled' ? 'Yet to start' : '');
    setText(r.summary, summary);
    setText(r.result, str(e.result));
    show(r.result, Boolean(e.result));
    setText(r.meta, metaText(e));
    const label = [sportLabel(sport), teams.join(' versus '), STATUS_TEXT[status] || status, summary, str(e.result)].filter(Boolean).join(', ');
    setAttr(r.link, 'aria-label', label);
    if (highlight && oldSummary && oldSummary !== summary) flash(r.summary);
  }

  createRow(e) {
    const badge = h('span', { class: 'badge' });
    const teams = h('span', { class: 'lobby-teams' });
    const summary = h('span', { class: 'lobby-summary', testid: 'lobby-summary' });
    const result = h('span', { class: 'lobby-result', testid: 'lobby-result', hidden: true });
    const meta = h('span', { class: 'lobby-meta muted' });
    const sportIcon = h('span', { class: 'sport-icon', attrs: { 'aria-hidden': 'true' } });
    const sportName = h('span', { class: 'sport-name' });
    const sport = h('span', { class: 'sport-tag', testid: 'lobby-sport' }, sportIcon, sportName);
    const link = h('a', { class: 'lobby-link', href: matchHref(e.id) },
      h('span', { class: 'lobby-top' }, badge, teams, sport), summary, result, meta);
    const li = h('li', { class: 'lobby-row', testid: 'lobby-row', data: { 'match-id': e.id } }, link);
    return { li, link, badge, teams, summary, result, meta, sportIcon, sportName, entry: e };
  }

  /** Show one sport's matches ('all': every match). */
  setFilter(sport) {
    this.filter = sport;
    this.reorder();
  }

  /** One button per sport listed (and All), shown when there is more than one sport. */
  syncFilter(sports) {
    const want = ['all', ...sports];
    if (!want.includes(this.filter)) this.filter = 'all';
    const have = [...this.filterBar.children].map((b) => b.dataset.sport);
    if (have.join() !== want.join()) {
      this.filterBar.replaceChildren(...want.map((sp) => h('button', { type: 'button', class: 'filter-btn', data: { sport: sp } },
        sp === 'all' ? null : h('span', { class: 'sport-icon', attrs: { 'aria-hidden': 'true' } }), sp === 'all' ? 'All sports' : sportLabel(sp))));
      for (const b of this.filterBar.children) {
        const icon = b.querySelector('.sport-icon');
        if (icon && SPORTS[b.dataset.sport]) icon.innerHTML = SPORTS[b.dataset.sport].icon;
      }
    }
    for (const b of this.filterBar.children) setAttr(b, 'aria-pressed', b.dataset.sport === this.filter ? 'true' : 'false');
    show(this.filterBar, sports.length > 1);
  }

  reorder() {
    const all = [...this.rows.values()].sort((a, b) => lobbyOrder(a.entry, b.entry));
    const sports = [];
    for (const r of all) {
      const sp = sportOf(r.entry);
      if (!sports.includes(sp)) sports.push(sp);
    }
    const order = Object.keys(SPORTS);
    sports.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
    this.syncFilter(sports);
    const by = { live: [], upcoming: [], finished: [] };
    for (const r of all) {
      const visible = this.filter === 'all' || sportOf(r.entry) === this.filter;
      show(r.li, visible);
      by[lobbySection(r.entry.status)].push(r.li);
    }
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
      show(wrap, want.some((li) => !li.hidden));
    }
    if (this.rows.size === 0) {
      setText(this.status, this.loaded ? 'No matches yet. New matches appear here as soon as they are scheduled.' : 'Loading matches…');
      show(this.status, true);
    } else {
      const live = by.live.filter((li) => !li.hidden).length;
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
