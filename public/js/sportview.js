// What every non-cricket match page shares: the article skeleton (back
// link, title, status badge, meta line, result banner, a main column and a
// side column), the "which parts changed" test, and the browser-tab title.
//
// A sport's view extends SportView, fills `this.board` (the score card),
// `this.mainCol` and `this.side`, and implements `renderSport(s, dirty)`.

import { h, setText, setAttr, show } from './dom.js';
import { Feed } from './feed.js';
import { arr, obj, str } from './format.js';

export const STATUS = { live: 'Live', scheduled: 'Upcoming', completed: 'Finished', abandoned: 'Abandoned' };

/**
 * Did the patch(es) behind `dirty` touch any of the top-level `keys`?
 * A whole-document render (`all`, or no key information) says yes.
 */
export function touches(dirty, ...keys) {
  if (!dirty || dirty.all || !dirty.top) return true;
  return keys.some((k) => dirty.top.has(k));
}

/** The side index (0, 1) of a JSON value, or null. */
export function sideOf(v) {
  return v === 0 || v === 1 ? v : null;
}

/** A card section with an h2 (ids are unique per page: one match view at a time). */
export function section(id, title, testid, ...children) {
  return h('section', { class: `card section-${id}`, id, testid, attrs: { 'aria-labelledby': `${id}-h` } },
    h('h2', { id: `${id}-h`, text: title }), ...children);
}

/** A side's name: full on wide screens, the code on phones. */
export function teamName(cls = 'side-name') {
  return h('span', { class: cls }, h('span', { class: 'full' }), h('abbr', { class: 'abbr' }));
}

export function setTeamName(el, full, code) {
  setText(el.children[0], full);
  setText(el.children[1], code || full);
  setAttr(el.children[1], 'title', full);
}

export class SportView {
  /**
   * @param {string} id
   * @param {{announce?: (text: string) => void, now?: () => number}} opts
   * @param {string} sport
   */
  constructor(id, opts, sport) {
    this.id = id;
    this.sport = sport;
    this.announce = opts.announce || (() => {});
    this.now = opts.now || (() => Date.now());
    this.timers = new Set();
    this.h1 = h('h1', { class: 'match-title', id: 'match-h', tabindex: '-1', text: 'Loading match…' });
    this.badge = h('span', { class: 'badge', testid: 'match-status' });
    this.meta = h('p', { class: 'match-meta muted', testid: 'match-meta' });
    this.board = h('div', { class: `score card ${sport}-board`, testid: 'score' }, h('div', { class: 'score-top' }, this.badge, this.meta));
    this.result = h('p', { class: 'result-banner', testid: 'result', hidden: true, attrs: { role: 'status' } });
    this.back = h('a', { class: 'back', href: '#/', text: '← All matches' });
    this.head = h('div', { class: 'match-head' }, this.back, this.h1, this.board, this.result);
    this.mainCol = h('div', { class: 'match-main' });
    this.side = h('div', { class: 'match-side' });
    this.el = h('article', {
      class: `match sport-${sport}`, testid: 'match', data: { 'match-id': id, sport, state: 'loading' }, attrs: { 'aria-labelledby': 'match-h' },
    }, this.head, this.mainCol, this.side);
  }

  /** Run `fn` after `ms`, unless the view is destroyed first. */
  later(fn, ms) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  cancel(t) {
    if (t == null) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  /** Stop every timer (the view is being thrown away). */
  destroy() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.destroyed = true;
  }

  renderEmpty(message) {
    setText(this.h1, message);
    setAttr(this.el, 'data-state', 'empty');
  }

  /**
   * @param {object|null} snap
   * @param {{all?: boolean, top?: Set<string>, live?: boolean}} dirty
   */
  render(snap, dirty = { all: true }) {
    const s = obj(snap);
    if (!s) {
      this.renderEmpty('Waiting for this match to start…');
      return;
    }
    setAttr(this.el, 'data-state', 'ready');
    const teams = arr(s.teams).map((t) => str(t));
    setText(this.h1, str(s.title) || (teams.length ? teams.join(' v ') : this.id));
    const status = str(s.status, 'scheduled');
    setText(this.badge, this.badgeText(s, status));
    setAttr(this.badge, 'data-status', status);
    setText(this.meta, this.metaParts(s).filter(Boolean).join(' · '));
    setText(this.result, str(s.result));
    setAttr(this.result, 'data-status', status);
    show(this.result, Boolean(s.result));
    this.renderSport(s, dirty || { all: true }, Boolean(dirty && dirty.live) && !(dirty && dirty.all));
  }

  badgeText(s, status) {
    return STATUS[status] || status;
  }

  /** The meta line's parts (venue, date, format …). */
  metaParts(s) {
    return [str(s.venue), str(s.date)];
  }

  /** The browser tab's title. */
  docTitle(snap) {
    const s = obj(snap);
    if (!s) return 'livematch';
    if (s.result) return `${str(s.result)} · livematch`;
    const line = str(s.summary) || arr(s.teams).join(' v ');
    return `${line || 'Match'} · livematch`;
  }

  /** Render the sport's own parts (overridden by each sport's view). */
  renderSport(_s, _dirty, _live) {}
}

/**
 * The page of a sport this build has no view for: the summary line, the
 * result and the commentary every sport's snapshot has.
 */
export class GenericView extends SportView {
  constructor(id, opts = {}) {
    super(id, opts, 'other');
    this.line = h('p', { class: 'live-line', testid: 'summary' });
    this.board.append(this.line);
    this.comm = h('ol', { class: 'commentary', testid: 'commentary', attrs: { 'aria-label': 'Commentary, newest first', tabindex: '0' } });
    this.side.append(section('commentary', 'Commentary', 'commentary-card', this.comm));
    this.feed = new Feed(this.comm, {
      newestFirst: true,
      build: (c) => h('li', { class: 'comm-item note', testid: 'commentary-item', data: { seq: Number(c.seq) || 0 } }, h('p', { class: 'comm-text', text: str(c.text) })),
    });
  }

  renderSport(s) {
    setText(this.line, str(s.summary));
    this.feed.sync(s.commentary);
  }
}
