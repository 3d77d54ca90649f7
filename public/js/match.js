// The match page: score header, crease, recent balls, charts, scorecard
// (a tab per innings, super overs labelled as such) and ball-by-ball
// commentary (newest first, rendered incrementally).
//
// render(snapshot, dirty) updates only what `dirty` says changed; the DOM
// skeleton is built once and its text updated in place.

import { h, setText, setAttr, show, setHtml, syncRows, flash } from './dom.js';
import {
  abbreviation, arr, chipKind, chipLabel, chipSpoken, extrasText, fowText, inningsLabel, num, obj,
  ordinal, projected, rate, scoreText, str, totalDetail,
} from './format.js';
import { chartInnings, manhattanSvg, wormSvg } from './charts.js';

const FORMAT = { t20: 'T20', odi: 'ODI', test: 'Test' };
const STATUS = { live: 'Live', scheduled: 'Upcoming', completed: 'Finished', abandoned: 'Abandoned' };
const NOTE_KINDS = new Set(['match_start', 'toss', 'innings_start', 'innings_end', 'result', 'target_revision', 'replacement', 'retirement']);

function chipEl(chip, extraClass = '') {
  const kind = chipKind(chip);
  return h('li', { class: `chip chip-${kind}${extraClass}`, data: { kind }, attrs: { title: chipSpoken(chip) } },
    h('span', { attrs: { 'aria-hidden': 'true' }, text: chipLabel(chip) }),
    h('span', { class: 'sr-only', text: chipSpoken(chip) }));
}

function cell(tag, cls, text) {
  return h(tag, { class: cls, text });
}

export class MatchView {
  /**
   * @param {string} id
   * @param {{announce?: (text: string) => void}} [opts]
   */
  constructor(id, opts = {}) {
    this.id = id;
    this.announce = opts.announce || (() => {});
    this.selected = null; // innings index chosen by the viewer (null: follow the latest)
    this.tabs = [];
    this.shownTab = null; // the tab last scrolled into view
    this.shownTabs = 0;
    this.panels = [];
    this.commCount = 0;
    this.commLastSeq = null;
    this.prevRuns = null;
    this.prevRecent = '';
    this.build();
  }

  build() {
    const id = this.id;
    // Header / score.
    this.h1 = h('h1', { class: 'match-title', id: 'match-h', tabindex: '-1', text: 'Loading match…' });
    this.meta = h('p', { class: 'match-meta muted', testid: 'match-meta' });
    this.badge = h('span', { class: 'badge', testid: 'match-status' });
    this.teamRows = h('div', { class: 'score-teams' });
    this.liveLine = h('p', { class: 'live-line', testid: 'equation' });
    this.rates = h('dl', { class: 'rates', testid: 'rates' });
    this.rateItems = {};
    for (const [k, label] of [['crr', 'CRR'], ['rrr', 'RRR'], ['target', 'Target'], ['pship', 'P’ship'], ['proj', 'Projected']]) {
      const dd = h('dd', { data: { rate: k } });
      const wrap = h('div', { class: 'rate', hidden: true }, h('dt', { text: label }), dd);
      this.rateItems[k] = { wrap, dd };
      this.rates.append(wrap);
    }
    this.score = h('div', { class: 'score card', testid: 'score' },
      h('div', { class: 'score-top' }, this.badge, this.meta), this.teamRows, this.liveLine, this.rates);
    this.result = h('p', { class: 'result-banner', testid: 'result', hidden: true, attrs: { role: 'status' } });
    this.toss = h('p', { class: 'toss muted', testid: 'toss', hidden: true });

    // Crease.
    this.creaseBody = h('tbody');
    this.bowlerBody = h('tbody');
    this.lastWkt = h('p', { class: 'last-wkt muted', testid: 'last-wicket', hidden: true });
    this.crease = h('section', { class: 'crease card', testid: 'crease', attrs: { 'aria-labelledby': `crease-h` } },
      h('h2', { id: 'crease-h', text: 'At the crease' }),
      h('table', { class: 'mini' },
        h('caption', { class: 'sr-only', text: 'Batters at the crease' }),
        h('thead', {}, h('tr', {},
          h('th', { attrs: { scope: 'col' }, text: 'Batter' }),
          h('th', { class: 'n', attrs: { scope: 'col' }, text: 'R' }),
          h('th', { class: 'n', attrs: { scope: 'col' }, text: 'B' }),
          h('th', { class: 'n opt', attrs: { scope: 'col' }, text: '4s' }),
          h('th', { class: 'n opt', attrs: { scope: 'col' }, text: '6s' }),
          h('th', { class: 'n', attrs: { scope: 'col' }, text: 'SR' }))),
        this.creaseBody),
      h('table', { class: 'mini' },
        h('caption', { class: 'sr-only', text: 'Current bowler' }),
        h('thead', {}, h('tr', {},
          h('th', { attrs: { scope: 'col' }, text: 'Bowler' }),
          h('th', { class: 'n', attrs: { scope: 'col' }, text: 'O' }),
          h('th', { class: 'n', attrs: { scope: 'col' }, text: 'M' }),
          h('th', { class: 'n', attrs: { scope: 'col' }, text: 'R' }),
          h('th', { class: 'n', attrs: { scope: 'col' }, text: 'W' }),
          h('th', { class: 'n', attrs: { scope: 'col' }, text: 'Econ' }))),
        this.bowlerBody),
      this.lastWkt);
    for (let i = 0; i < 2; i += 1) {
      this.creaseBody.append(h('tr', { testid: 'crease-batter' }, h('th', { attrs: { scope: 'row' } }), cell('td', 'n'), cell('td', 'n'), cell('td', 'n opt'), cell('td', 'n opt'), cell('td', 'n')));
    }
    this.bowlerBody.append(h('tr', { testid: 'crease-bowler' }, h('th', { attrs: { scope: 'row' } }), cell('td', 'n'), cell('td', 'n'), cell('td', 'n'), cell('td', 'n'), cell('td', 'n')));

    // Recent balls.
    this.thisOver = h('ol', { class: 'chips', testid: 'this-over', attrs: { 'aria-label': 'This over' } });
    this.recent = h('ol', { class: 'chips', testid: 'recent', attrs: { 'aria-label': 'Recent balls, oldest first' } });
    this.balls = h('section', { class: 'balls card', attrs: { 'aria-labelledby': 'balls-h' } },
      h('h2', { id: 'balls-h', text: 'Recent balls' }),
      h('div', { class: 'chip-row' }, h('span', { class: 'chip-label muted', text: 'Over' }), this.thisOver),
      h('div', { class: 'chip-row' }, h('span', { class: 'chip-label muted', text: 'Last 12' }), this.recent));

    // Charts.
    this.worm = h('div', { class: 'chart-box', testid: 'worm' });
    this.manhattan = h('div', { class: 'chart-box', testid: 'manhattan' });
    this.wormLegend = h('ul', { class: 'legend' });
    this.manLegend = h('ul', { class: 'legend' });
    this.charts = h('section', { class: 'charts card', id: `charts`, attrs: { 'aria-labelledby': 'charts-h' } },
      h('h2', { id: 'charts-h', text: 'Charts' }),
      h('div', { class: 'chart-grid' },
        h('figure', {}, h('figcaption', {}, h('span', { text: 'Worm' }), this.wormLegend), this.worm),
        h('figure', {}, h('figcaption', {}, h('span', { text: 'Manhattan' }), this.manLegend), this.manhattan)));

    // Scorecard.
    this.tablist = h('div', { class: 'tabs', attrs: { role: 'tablist', 'aria-label': 'Innings' }, testid: 'innings-tabs' });
    this.tablist.addEventListener('keydown', (e) => this.onTabKey(e));
    this.panelBox = h('div', { class: 'panels' });
    this.cardEmpty = h('p', { class: 'muted', text: 'The scorecard appears when the first innings starts.' });
    this.scorecard = h('section', { class: 'scorecard card', id: 'scorecard', attrs: { 'aria-labelledby': 'scorecard-h' } },
      h('h2', { id: 'scorecard-h', text: 'Scorecard' }), this.tablist, this.cardEmpty, this.panelBox);

    // Commentary.
    // Focusable: on wide screens it scrolls on its own, and keyboard users must reach it.
    this.comm = h('ol', { class: 'commentary', testid: 'commentary', attrs: { 'aria-label': 'Ball by ball commentary, newest first', tabindex: '0' } });
    this.commEmpty = h('p', { class: 'muted', text: 'Commentary starts with the first event.' });
    this.commentary = h('section', { class: 'comm card', id: 'commentary', attrs: { 'aria-labelledby': 'comm-h' } },
      h('h2', { id: 'comm-h', text: 'Commentary' }), this.commEmpty, this.comm);

    const jump = h('nav', { class: 'jump', attrs: { 'aria-label': 'Sections' } },
      h('a', { href: '#scorecard', 'data-jump': 'scorecard', text: 'Scorecard' }),
      h('a', { href: '#charts', 'data-jump': 'charts', text: 'Charts' }),
      h('a', { href: '#commentary', 'data-jump': 'commentary', text: 'Commentary' }));
    // In-page jumps must not touch the hash (the hash is the route).
    jump.addEventListener('click', (e) => {
      const a = e.target.closest('a[data-jump]');
      if (!a) return;
      e.preventDefault();
      const target = this.el.querySelector(`#${a.dataset.jump}`);
      if (target) {
        target.scrollIntoView({ block: 'start' });
        const heading = target.querySelector('h2');
        if (heading) {
          heading.setAttribute('tabindex', '-1');
          heading.focus({ preventScroll: true });
        }
      }
    });

    if (typeof ResizeObserver === 'function') {
      this.resizeObs = new ResizeObserver(() => {
        const w = this.worm.clientWidth;
        if (this.chartSnap && w && Math.abs(w - (this.chartWidth || 0)) > 24) this.renderCharts(this.chartSnap);
      });
      this.resizeObs.observe(this.worm);
    }

    this.back = h('a', { class: 'back', href: '#/', text: '← All matches' });
    this.el = h('article', { class: 'match', testid: 'match', data: { 'match-id': id, state: 'loading' }, attrs: { 'aria-labelledby': 'match-h' } },
      h('div', { class: 'match-head' }, this.back, this.h1, this.score, this.result, this.toss, jump),
      h('div', { class: 'match-main' }, this.crease, this.balls, this.scorecard, this.charts),
      h('div', { class: 'match-side' }, this.commentary));
  }

  /** Stop observing (the view is being thrown away). */
  destroy() {
    if (this.resizeObs) this.resizeObs.disconnect();
  }

  /** Show that the match is unknown / has no data yet. */
  renderEmpty(message) {
    setText(this.h1, message);
    setAttr(this.el, 'data-state', 'empty');
  }

  /**
   * @param {object|null} snap
   * @param {{all?: boolean, innings?: Set<number>, inningsAdded?: boolean, commentary?: boolean, current?: boolean, live?: boolean}} dirty
   */
  render(snap, dirty = { all: true }) {
    const s = obj(snap);
    if (!s) {
      this.renderEmpty('Waiting for this match to start…');
      return;
    }
    const all = Boolean(dirty.all);
    setAttr(this.el, 'data-state', 'ready');
    this.renderHeader(s, Boolean(dirty.live));
    this.renderCrease(s);
    this.renderBalls(s, Boolean(dirty.live) && !all);
    const innings = arr(s.innings);
    const inningsChanged = all || dirty.inningsAdded || this.panels.length !== innings.length || (dirty.innings && dirty.innings.size > 0);
    if (inningsChanged) {
      this.syncTabs(s);
      const which = all || dirty.inningsAdded ? innings.map((_, i) => i) : [...(dirty.innings || [])];
      // The crease marker (on strike) lives in the latest innings' card.
      if (!which.includes(innings.length - 1) && innings.length) which.push(innings.length - 1);
      for (const i of which) if (innings[i]) this.renderInnings(s, i);
      this.renderCharts(s);
    } else if (dirty.current && innings.length) {
      // A bowler change or retirement: only the markers in the latest card move.
      this.renderInnings(s, innings.length - 1);
    }
    if (all || dirty.commentary) this.renderCommentary(s, Boolean(dirty.live) && !all);
  }

  teamsOf(s) {
    const teams = arr(s.teams).map((t) => str(t)).filter(Boolean);
    if (teams.length) return teams;
    const seen = [];
    for (const inn of arr(s.innings)) for (const t of [inn && inn.team, inn && inn.bowling_team]) if (t && !seen.includes(t)) seen.push(t);
    return seen;
  }

  renderHeader(s, live) {
    const teams = this.teamsOf(s);
    const title = str(s.title) || (teams.length ? teams.join(' v ') : this.id);
    setText(this.h1, title);
    const status = str(s.status, 'scheduled');
    const innings = arr(s.innings);
    const lastInn = innings[innings.length - 1];
    const cur = obj(s.current);
    const innsBreak = status === 'live' && lastInn && lastInn.closed;
    setText(this.badge, innsBreak ? 'Innings break' : STATUS[status] || status);
    setAttr(this.badge, 'data-status', status);
    const metaParts = [FORMAT[s.format] || str(s.format).toUpperCase(), str(s.venue), str(s.date)].filter(Boolean);
    setText(this.meta, metaParts.join(' · '));

    // One row per team: their innings scores.
    const battingNow = status === 'live' && cur && !innsBreak ? str(cur.batting_team) : '';
    const rows = this.teamRows.children;
    while (rows.length < teams.length) {
      this.teamRows.append(h('div', { class: 'team-row', testid: 'team-score' },
        h('span', { class: 'team-name' }, h('span', { class: 'full' }), h('abbr', { class: 'abbr' })),
        h('span', { class: 'team-runs' }), h('span', { class: 'team-overs muted' })));
    }
    while (rows.length > teams.length) rows[rows.length - 1].remove();
    teams.forEach((team, k) => {
      const row = rows[k];
      const mine = innings.filter((i) => i && i.team === team);
      const main = mine.filter((i) => !i.super_over);
      const so = mine.filter((i) => i.super_over);
      const runsText = [main.map(scoreText).join(' & '), so.length ? `SO ${so.map(scoreText).join(', ')}` : ''].filter(Boolean).join(' · ');
      const lastMain = main[main.length - 1];
      const oversText = lastMain ? `(${str(lastMain.overs, '0')}${lastMain.max_overs ? `/${lastMain.max_overs}` : ''} ov)` : main.length === 0 && status !== 'scheduled' ? 'Yet to bat' : '';
      setText(row.children[0].children[0], team);
      setText(row.children[0].children[1], abbreviation(team));
      setAttr(row.children[0].children[1], 'title', team);
      const runsEl = row.children[1];
      if (live && runsEl.textContent && runsEl.textContent !== runsText) flash(runsEl);
      setText(runsEl, runsText);
      setText(row.children[2], oversText);
      row.classList.toggle('batting', team === battingNow);
      row.classList.toggle('winner', Boolean(s.winner) && s.winner === team);
      setAttr(row, 'data-team', team);
      setAttr(row, 'aria-current', team === battingNow ? 'true' : null);
    });

    // Equation / projection / innings break.
    let line = '';
    if (status === 'live' && cur) {
      const chasing = str(cur.batting_team);
      if (innsBreak) {
        const next = this.nextTarget(s);
        line = next ? `Innings break: ${next}` : 'Innings break';
      } else if (cur.equation) {
        line = `${abbreviation(chasing) || chasing} ${str(cur.equation)}`;
      } else if (cur.target != null) {
        line = `${chasing} chasing ${num(cur.target)}`;
      }
    } else if (status === 'scheduled') {
      line = 'The match has not started yet.';
    }
    setText(this.liveLine, line);
    show(this.liveLine, Boolean(line));

    const bpo = num(s.balls_per_over, 6) || 6;
    const setRate = (k, v) => {
      setText(this.rateItems[k].dd, v);
      show(this.rateItems[k].wrap, v !== '' && v != null);
    };
    const active = status === 'live' && cur && !innsBreak;
    setRate('crr', active ? rate(cur.run_rate) : '');
    setRate('rrr', active && typeof cur.required_rate === 'number' ? rate(cur.required_rate) : '');
    setRate('target', cur && cur.target != null && status === 'live' ? String(num(cur.target)) : '');
    const p = cur && obj(cur.partnership);
    setRate('pship', active && p ? `${num(p.runs)} (${num(p.balls)})` : '');
    const proj = active && lastInn ? projected(lastInn, bpo) : null;
    setRate('proj', proj != null ? String(proj) : '');
    show(this.rates, Object.values(this.rateItems).some((r) => !r.wrap.hidden));

    // Result and toss.
    const finished = status === 'completed' || status === 'abandoned';
    const resultText = str(s.result);
    setText(this.result, resultText);
    show(this.result, Boolean(resultText) && (finished || Boolean(s.result)));
    setAttr(this.result, 'data-status', status);
    setText(this.toss, s.toss ? `Toss: ${str(s.toss)}` : '');
    show(this.toss, Boolean(s.toss));
  }

  nextTarget(s) {
    const innings = arr(s.innings);
    const last = innings[innings.length - 1];
    if (!last) return '';
    const mains = innings.filter((i) => i && !i.super_over);
    if (!last.super_over && mains.length === 1) {
      return `${str(last.bowling_team)} need ${num(last.runs) + 1} to win`;
    }
    return '';
  }

  renderCrease(s) {
    const cur = obj(s.current);
    const innings = arr(s.innings);
    const inn = cur ? innings[num(cur.innings, innings.length - 1)] : null;
    const status = str(s.status);
    // Nobody is at the crease during an innings break.
    const visible = Boolean(cur) && status === 'live' && !(inn && inn.closed);
    show(this.crease, visible);
    if (!visible) return;
    const batters = [obj(cur.striker), obj(cur.non_striker)];
    [...this.creaseBody.rows].forEach((tr, k) => {
      const b = batters[k];
      const c = tr.cells;
      if (!b) {
        setText(c[0], k === 0 && !batters[1] ? '' : 'New batter');
        for (let j = 1; j < c.length; j += 1) setText(c[j], '');
        tr.classList.add('empty');
        setAttr(tr, 'data-name', null);
        return;
      }
      tr.classList.remove('empty');
      setText(c[0], `${str(b.name)}${k === 0 ? ' *' : ''}`);
      setAttr(c[0], 'title', k === 0 ? `${str(b.name)}, on strike` : str(b.name));
      setText(c[1], num(b.runs));
      setText(c[2], num(b.balls));
      setText(c[3], num(b.fours));
      setText(c[4], num(b.sixes));
      setText(c[5], rate(b.strike_rate));
      tr.classList.toggle('on-strike', k === 0);
      setAttr(tr, 'data-name', str(b.name));
    });
    const bw = obj(cur.bowler);
    const c = this.bowlerBody.rows[0].cells;
    setText(c[0], bw ? str(bw.name) : '');
    setText(c[1], bw ? str(bw.overs, '0') : '');
    setText(c[2], bw ? num(bw.maidens) : '');
    setText(c[3], bw ? num(bw.runs) : '');
    setText(c[4], bw ? num(bw.wickets) : '');
    setText(c[5], bw ? rate(bw.economy) : '');
    setAttr(this.bowlerBody.rows[0], 'data-name', bw ? str(bw.name) : null);
    // Last wicket: "Buttler c Smith b Lee 45 (30) · 78/2 (9.4 ov)".
    const fow = inn ? arr(inn.fow) : [];
    const lw = fow[fow.length - 1];
    if (lw) {
      const row = arr(inn.batting).find((b) => b && b.name === lw.player);
      const who = row ? `${str(row.name)} ${num(row.runs)} (${num(row.balls)})` : str(lw.player);
      setText(this.lastWkt, `Last wicket: ${who} · ${num(lw.runs)}/${num(lw.wicket)} (${str(lw.over)} ov)`);
    }
    show(this.lastWkt, Boolean(lw));
  }

  renderBalls(s, live) {
    const cur = obj(s.current);
    const status = str(s.status);
    show(this.balls, Boolean(cur) && (status === 'live' || arr(cur && cur.recent).length > 0));
    if (!cur) return;
    const recent = arr(cur.recent).map(str);
    const key = JSON.stringify([recent, arr(cur.this_over)]);
    if (key === this.prevRecent) return;
    const grew = live && this.prevRecent !== '';
    this.prevRecent = key;
    this.recent.replaceChildren(...recent.map((c, i) => chipEl(c, grew && i === recent.length - 1 ? ' new' : '')));
    const over = arr(cur.this_over).map(str);
    this.thisOver.replaceChildren(...over.map((c, i) => chipEl(c, grew && i === over.length - 1 ? ' new' : '')));
    if (!over.length) this.thisOver.append(h('li', { class: 'chip-none muted', text: '–' }));
  }

  // ----- scorecard ---------------------------------------------------------

  currentTab(innings) {
    if (this.selected != null && this.selected < innings.length) return this.selected;
    return innings.length - 1;
  }

  syncTabs(s) {
    const innings = arr(s.innings);
    show(this.cardEmpty, innings.length === 0);
    while (this.tabs.length < innings.length) {
      const i = this.tabs.length;
      const tab = h('button', {
        type: 'button', class: 'tab', id: `tab-${i}`, testid: 'innings-tab',
        data: { innings: i }, attrs: { role: 'tab', 'aria-controls': `panel-${i}`, 'aria-selected': 'false', tabindex: '-1' },
        onclick: () => this.selectTab(i, true),
      });
      this.tabs.push(tab);
      this.tablist.append(tab);
      const panel = this.buildPanel(i);
      this.panels.push(panel);
      this.panelBox.append(panel.el);
    }
    while (this.tabs.length > innings.length) {
      this.tabs.pop().remove();
      this.panels.pop().el.remove();
    }
    innings.forEach((inn, i) => {
      const label = inningsLabel(inn, i, innings);
      setText(this.tabs[i], label.short);
      setAttr(this.tabs[i], 'aria-label', label.long);
      setAttr(this.tabs[i], 'data-super-over', inn && inn.super_over ? 'true' : null);
    });
    this.selectTab(this.currentTab(innings), false);
  }

  selectTab(i, byUser) {
    if (byUser) this.selected = i === this.tabs.length - 1 ? null : i;
    this.tabs.forEach((t, k) => {
      const on = k === i;
      setAttr(t, 'aria-selected', on ? 'true' : 'false');
      setAttr(t, 'tabindex', on ? '0' : '-1');
      show(this.panels[k].el, on);
    });
    if (i !== this.shownTab || this.tabs.length !== this.shownTabs) {
      this.shownTab = i;
      this.shownTabs = this.tabs.length;
      if (this.tabs[i]) this.revealTab(this.tabs[i]);
    }
  }

  /**
   * Scroll the tab strip (it scrolls sideways on phones) so the selected
   * tab is in view: the latest innings' tab is the last one, off-screen on
   * a narrow display. Only the strip moves, never the page.
   */
  revealTab(tab) {
    const list = this.tablist;
    if (list.scrollWidth <= list.clientWidth) return;
    const l = list.getBoundingClientRect();
    const t = tab.getBoundingClientRect();
    if (t.left < l.left) list.scrollLeft -= l.left - t.left;
    else if (t.right > l.right) list.scrollLeft += t.right - l.right;
  }

  onTabKey(e) {
    const i = this.tabs.indexOf(document.activeElement);
    if (i < 0) return;
    let next = null;
    if (e.key === 'ArrowRight') next = (i + 1) % this.tabs.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + this.tabs.length) % this.tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = this.tabs.length - 1;
    if (next == null) return;
    e.preventDefault();
    this.selectTab(next, true);
    this.tabs[next].focus();
  }

  buildPanel(i) {
    const batCaption = h('caption');
    const batBody = h('tbody');
    // No colspans: the optional columns hide on phones, cell by cell.
    const footCells = () => [h('td', { class: 'n' }), h('td'), h('td', { class: 'opt' }), h('td', { class: 'opt' }), h('td')];
    const extras = h('tr', { class: 'extras' }, h('th', { attrs: { scope: 'row' } }, 'Extras ', h('span', { class: 'muted' })), ...footCells());
    const total = h('tr', { class: 'total', testid: 'innings-total', data: { innings: i } },
      h('th', { attrs: { scope: 'row' } }, 'Total ', h('span', { class: 'muted' })), ...footCells());
    const bat = h('table', { class: 'card-table bat', testid: 'batting-table', data: { innings: i } },
      batCaption,
      h('thead', {}, h('tr', {},
        h('th', { attrs: { scope: 'col' }, text: 'Batter' }),
        h('th', { class: 'n', attrs: { scope: 'col' } }, h('abbr', { title: 'Runs', text: 'R' })),
        h('th', { class: 'n', attrs: { scope: 'col' } }, h('abbr', { title: 'Balls', text: 'B' })),
        h('th', { class: 'n opt', attrs: { scope: 'col' }, text: '4s' }),
        h('th', { class: 'n opt', attrs: { scope: 'col' }, text: '6s' }),
        h('th', { class: 'n wide', attrs: { scope: 'col' } }, h('abbr', { title: 'Strike rate', text: 'SR' })))),
      batBody,
      h('tfoot', {}, extras, total));
    const dnb = h('p', { class: 'dnb muted', testid: 'did-not-bat', hidden: true });
    const fow = h('p', { class: 'fow', testid: 'fow', hidden: true });
    const bowlCaption = h('caption');
    const bowlBody = h('tbody');
    const bowl = h('table', { class: 'card-table bowl', testid: 'bowling-table', data: { innings: i } },
      bowlCaption,
      h('thead', {}, h('tr', {},
        h('th', { attrs: { scope: 'col' }, text: 'Bowler' }),
        h('th', { class: 'n', attrs: { scope: 'col' } }, h('abbr', { title: 'Overs', text: 'O' })),
        h('th', { class: 'n', attrs: { scope: 'col' } }, h('abbr', { title: 'Maidens', text: 'M' })),
        h('th', { class: 'n', attrs: { scope: 'col' } }, h('abbr', { title: 'Runs', text: 'R' })),
        h('th', { class: 'n', attrs: { scope: 'col' } }, h('abbr', { title: 'Wickets', text: 'W' })),
        h('th', { class: 'n wide', attrs: { scope: 'col' } }, h('abbr', { title: 'Economy', text: 'Econ' })),
        h('th', { class: 'n opt', attrs: { scope: 'col' } }, h('abbr', { title: 'Wides', text: 'WD' })),
        h('th', { class: 'n opt', attrs: { scope: 'col' } }, h('abbr', { title: 'No-balls', text: 'NB' })))),
      bowlBody);
    const pshipBody = h('tbody');
    const pships = h('details', { class: 'pships', testid: 'partnerships' },
      h('summary', { text: 'Partnerships' }),
      h('table', { class: 'card-table pship' },
        h('caption', { class: 'sr-only', text: 'Partnerships' }),
        h('thead', {}, h('tr', {},
          h('th', { attrs: { scope: 'col' }, text: 'Wkt' }),
          h('th', { attrs: { scope: 'col' }, text: 'Batters' }),
          h('th', { class: 'n', attrs: { scope: 'col' }, text: 'Runs' }),
          h('th', { class: 'n', attrs: { scope: 'col' }, text: 'Balls' }))),
        pshipBody));
    const heading = h('h3', { class: 'panel-h' });
    const el = h('section', {
      class: 'panel', id: `panel-${i}`, testid: 'innings', data: { innings: i }, hidden: true,
      attrs: { role: 'tabpanel', 'aria-labelledby': `tab-${i}`, tabindex: '0' },
    }, heading, bat, dnb, fow, bowl, pships);
    return { el, heading, batCaption, batBody, extras, total, dnb, fow, bowlCaption, bowlBody, pshipBody, pships };
  }

  renderInnings(s, i) {
    const innings = arr(s.innings);
    const inn = obj(innings[i]);
    const p = this.panels[i];
    if (!inn || !p) return;
    const label = inningsLabel(inn, i, innings);
    const bpo = num(s.balls_per_over, 6) || 6;
    const cur = obj(s.current);
    const isCurrent = cur && num(cur.innings, -1) === i && s.status === 'live' && !inn.closed;
    const onStrike = isCurrent && obj(cur.striker) ? str(cur.striker.name) : null;
    const offStrike = isCurrent && obj(cur.non_striker) ? str(cur.non_striker.name) : null;
    setText(p.heading, `${label.long}${inn.super_over ? '' : ''}`);
    setAttr(p.el, 'data-super-over', inn.super_over ? 'true' : null);
    setText(p.batCaption, `${str(inn.team)} batting`);
    setText(p.bowlCaption, `${str(inn.bowling_team)} bowling`);

    syncRows(p.batBody, arr(inn.batting), () => h('tr', { testid: 'batting-row', data: { innings: i } },
      h('th', { attrs: { scope: 'row' } }, h('span', { class: 'who' }), h('span', { class: 'how' })),
      cell('td', 'n r'), cell('td', 'n'), cell('td', 'n opt'), cell('td', 'n opt'), cell('td', 'n')),
    (tr, b) => {
      const row = obj(b) || {};
      const name = str(row.name);
      const c = tr.cells;
      const atCrease = name === onStrike || name === offStrike;
      setText(c[0].children[0], `${name}${name === onStrike ? ' *' : ''}`);
      setText(c[0].children[1], str(row.dismissal));
      setText(c[1], num(row.runs));
      setText(c[2], num(row.balls));
      setText(c[3], num(row.fours));
      setText(c[4], num(row.sixes));
      setText(c[5], rate(row.strike_rate));
      setAttr(tr, 'data-name', name);
      setAttr(tr, 'data-out', row.out ? 'true' : 'false');
      tr.classList.toggle('out', Boolean(row.out));
      tr.classList.toggle('at-crease', Boolean(atCrease));
      setAttr(tr, 'aria-current', name === onStrike ? 'true' : null);
    });
    const x = obj(inn.extras) || {};
    setText(p.extras.cells[0].lastChild, extrasText(x));
    setText(p.extras.cells[1], num(x.total));
    setText(p.total.cells[0].lastChild, totalDetail(inn));
    setText(p.total.cells[1], scoreText(inn));

    // Did not bat: the squad minus those who batted.
    const teams = arr(s.teams);
    const squad = arr(arr(s.squads)[teams.indexOf(inn.team)]).map(str);
    const batted = new Set(arr(inn.batting).map((b) => str(b && b.name)));
    const dnb = squad.filter((n) => n && !batted.has(n));
    const wktsLeft = num(inn.wickets) < 10;
    setText(p.dnb, dnb.length ? `${inn.closed || !isCurrent ? 'Did not bat' : 'Yet to bat'}: ${dnb.join(', ')}` : '');
    show(p.dnb, dnb.length > 0 && wktsLeft && !inn.super_over);

    const fow = arr(inn.fow);
    setText(p.fow, fow.length ? `Fall of wickets: ${fow.map(fowText).join(', ')}` : '');
    show(p.fow, fow.length > 0);

    const bowlerNow = isCurrent && obj(cur.bowler) ? str(cur.bowler.name) : null;
    syncRows(p.bowlBody, arr(inn.bowling), () => h('tr', { testid: 'bowling-row', data: { innings: i } },
      h('th', { attrs: { scope: 'row' } }), cell('td', 'n'), cell('td', 'n'), cell('td', 'n'), cell('td', 'n w'), cell('td', 'n'), cell('td', 'n opt'), cell('td', 'n opt')),
    (tr, b) => {
      const row = obj(b) || {};
      const c = tr.cells;
      const name = str(row.name);
      setText(c[0], `${name}${name === bowlerNow ? ' *' : ''}`);
      setText(c[1], str(row.overs, String(Math.floor(num(row.legal_balls) / bpo))));
      setText(c[2], num(row.maidens));
      setText(c[3], num(row.runs));
      setText(c[4], num(row.wickets));
      setText(c[5], rate(row.economy));
      setText(c[6], num(row.wides));
      setText(c[7], num(row.noballs));
      setAttr(tr, 'data-name', name);
      tr.classList.toggle('bowling-now', name === bowlerNow);
    });

    const ps = arr(inn.partnerships);
    show(p.pships, ps.length > 0);
    syncRows(p.pshipBody, ps, () => h('tr', { testid: 'partnership-row' }, cell('td', ''), cell('td', ''), cell('td', 'n'), cell('td', 'n')), (tr, q) => {
      const row = obj(q) || {};
      const c = tr.cells;
      setText(c[0], ordinal(num(row.wicket, 1)));
      setText(c[1], `${str(row.batter1)} ${num(row.batter1_runs)}, ${str(row.batter2)} ${num(row.batter2_runs)}`);
      setText(c[2], `${num(row.runs)}${row.open ? '*' : ''}`);
      setText(c[3], num(row.balls));
    });
  }

  // ----- charts -------------------------------------------------------------

  renderCharts(s) {
    this.chartSnap = s;
    const inns = chartInnings(s);
    const bpo = num(s.balls_per_over, 6) || 6;
    // Draw at the box's pixel width so chart text stays legible on phones.
    const width = this.worm.clientWidth || this.charts.clientWidth || 640;
    this.chartWidth = width;
    setHtml(this.worm, wormSvg(inns, { bpo, width, id: `worm-${this.idSafe()}` }));
    setHtml(this.manhattan, manhattanSvg(inns, { width, id: `man-${this.idSafe()}` }));
    const legend = inns.map((i) => `<li class="s${i.series}"><span class="swatch" aria-hidden="true"></span>${escapeText(str(i.team))}</li>`).join('');
    setHtml(this.wormLegend, legend);
    setHtml(this.manLegend, legend);
  }

  idSafe() {
    return String(this.id).replace(/[^A-Za-z0-9_-]/g, '_');
  }

  // ----- commentary ---------------------------------------------------------

  renderCommentary(s, live) {
    const items = arr(s.commentary);
    show(this.commEmpty, items.length === 0);
    const consistent =
      this.commCount <= items.length &&
      (this.commCount === 0 || (obj(items[this.commCount - 1]) || {}).seq === this.commLastSeq);
    if (!consistent) {
      this.comm.replaceChildren();
      this.commCount = 0;
      this.commLastSeq = null;
    }
    if (this.commCount >= items.length) return;
    const bpo = num(s.balls_per_over, 6) || 6;
    const frag = [];
    for (let k = this.commCount; k < items.length; k += 1) {
      const c = obj(items[k]);
      if (!c) continue;
      frag.push(this.commItem(c));
      const sep = this.overSummary(s, c, bpo);
      if (sep) frag.push(sep);
      if (live) this.announceComment(c);
    }
    this.commCount = items.length;
    this.commLastSeq = (obj(items[items.length - 1]) || {}).seq;
    // Newest first: the items were built oldest first.
    frag.reverse();
    this.comm.prepend(...frag);
  }

  commItem(c) {
    const kind = str(c.kind, c.chip ? 'delivery' : 'note');
    const note = NOTE_KINDS.has(kind);
    const li = h('li', {
      class: `comm-item kind-${kind}${note ? ' note' : ''}${c.wicket ? ' wicket' : ''}`,
      testid: 'commentary-item',
      data: { seq: num(c.seq), kind },
    });
    if (c.over != null) li.append(h('span', { class: 'comm-over', text: str(c.over) }));
    if (c.chip != null) {
      const kindC = chipKind(c.chip);
      li.append(h('span', { class: `chip chip-${kindC}`, data: { kind: kindC }, attrs: { 'aria-hidden': 'true' }, text: chipLabel(c.chip) }));
    }
    // Generated lines start with the over ("14.3 Bumrah to Kohli, FOUR"),
    // already shown in its own column.
    let text = str(c.text);
    if (c.over != null && text.startsWith(`${str(c.over)} `)) text = text.slice(str(c.over).length + 1);
    li.append(h('p', { class: 'comm-text', text }));
    return li;
  }

  /** After the last legal ball of an over: "End of over 8 · 12 runs · 1 wkt · GT 78/2". */
  overSummary(s, c, bpo) {
    if (c.kind && c.kind !== 'delivery') return null;
    const m = /^(\d+)\.(\d+)$/.exec(str(c.over));
    if (!m || Number(m[2]) !== bpo) return null;
    const k = chipKind(c.chip);
    if (k === 'extra' && /wd|nb/.test(str(c.chip))) return null;
    const inn = obj(arr(s.innings)[num(c.innings, -1)]);
    if (!inn) return null;
    const overNo = Number(m[1]) + 1;
    const o = arr(inn.overs_detail).find((d) => d && num(d.over) === overNo);
    if (!o) return null;
    const wkts = arr(inn.fow).filter((f) => f && Number(str(f.over).split('.')[0]) < overNo).length;
    const parts = [`End of over ${overNo}`, `${num(o.runs)} run${num(o.runs) === 1 ? '' : 's'}`];
    if (num(o.wickets)) parts.push(`${num(o.wickets)} wkt${num(o.wickets) > 1 ? 's' : ''}`);
    parts.push(`${abbreviation(inn.team)} ${num(o.cumulative)}/${wkts}`);
    return h('li', { class: 'over-sep', testid: 'over-summary', data: { over: overNo, innings: num(c.innings) } }, parts.join(' · '));
  }

  announceComment(c) {
    const k = chipKind(c.chip);
    if (c.wicket) this.announce(`Wicket! ${str(c.text)}`);
    else if (k === 'four' || k === 'six') this.announce(`${k === 'four' ? 'Four' : 'Six'}. ${str(c.text)}`);
    else if (c.kind === 'result' || c.kind === 'innings_end') this.announce(str(c.text));
  }
}

function escapeText(s) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
