// The tennis match page: scoreboard with the serve indicator (sets,
// games, points or tiebreak points), break / set / match point flags, the
// point-by-point record by set, match and set stats, and the commentary.
// Snapshot layout: sports/src/tennis/view.rs.

import { h, setText, setAttr, show, syncRows, flash } from './dom.js';
import { arr, num, obj, str } from './format.js';
import { CompareTable } from './compare.js';
import { Feed, newEntries } from './feed.js';
import { Tabs } from './tabs.js';
import { gameLabel, pointByPoint, pressure, setCell, shownSets, statRows } from './tennis-score.js';
import { SportView, section, touches } from './sportview.js';

const FINAL_SET = {
  tiebreak: 'Final set: tiebreak to 7',
  long_tiebreak: 'Final set: tiebreak to 10',
  match_tiebreak: 'Final set: match tiebreak',
  advantage: 'Final set: advantage',
};

const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : '');

export class TennisView extends SportView {
  constructor(id, opts = {}) {
    super(id, opts, 'tennis');
    this.pickedSet = null; // set tab chosen by the viewer (null: follow the latest)
    this.pickedStats = 0; // 0: match, k: set k
    this.games = new Map(); // "set-game" → {li, points, count}
    this.setLists = [];
    this.pointCount = 0;
    this.pointLastSeq = null;
    this.build();
  }

  build() {
    this.headRow = h('tr', {}, h('th', { class: 'who-col', attrs: { scope: 'col' } }, h('span', { class: 'sr-only', text: 'Player' })));
    this.pointsHead = h('th', { class: 'n pts', attrs: { scope: 'col' }, text: 'Game' });
    this.boardBody = h('tbody');
    this.scoreboard = h('table', { class: 'tn-board', testid: 'scoreboard' },
      h('caption', { class: 'sr-only', text: 'Scoreboard: sets, games and points' }), h('thead', {}, this.headRow), this.boardBody);
    this.gameInfo = h('p', { class: 'tn-game muted', testid: 'game-info' });
    this.flag = h('p', { class: 'tn-flag', testid: 'pressure', hidden: true });
    this.board.append(this.scoreboard, h('div', { class: 'tn-under' }, this.gameInfo, this.flag));

    // Point by point.
    this.setTabs = new Tabs({ label: 'Set', idPrefix: 'pbp-set', testid: 'set-tab', onSelect: (i, byUser) => this.selectSet(i, byUser) });
    this.pbpPanels = h('div', { class: 'panels' });
    this.pbpEmpty = h('p', { class: 'muted', text: 'The point-by-point record starts with the first point.' });
    this.pbpCard = section('pbp', 'Point by point', 'point-by-point', this.setTabs.el, this.pbpEmpty, this.pbpPanels);

    // Stats.
    this.statTabs = new Tabs({ label: 'Stats for', idPrefix: 'stats', testid: 'stats-tab', onSelect: (i, byUser) => this.selectStats(i, byUser) });
    this.stats = new CompareTable({ caption: 'Match statistics', testid: 'set-stats' });
    this.statsPanel = h('div', { class: 'panel', id: 'stats-panel', attrs: { role: 'tabpanel', tabindex: '0' } }, this.stats.el);
    this.statsCard = section('stats', 'Stats', 'stats-card', this.statTabs.el, this.statsPanel);

    // Commentary.
    this.comm = h('ol', { class: 'commentary', testid: 'commentary', attrs: { 'aria-label': 'Commentary, newest first', tabindex: '0' } });
    this.commEmpty = h('p', { class: 'muted', text: 'Commentary starts with the first point.' });
    this.commentary = section('commentary', 'Commentary', 'commentary-card', this.commEmpty, this.comm);
    this.commentary.classList.add('comm');
    this.commFeed = new Feed(this.comm, { newestFirst: true, build: (c) => this.commItem(c) });

    this.mainCol.append(this.pbpCard, this.statsCard);
    this.side.append(this.commentary);
  }

  metaParts(s) {
    const bo = num(s.best_of);
    return [str(s.venue), cap(str(s.surface)), bo ? `Best of ${bo}` : '', FINAL_SET[s.final_set] || ''];
  }

  names(s) {
    const short = arr(s.short).map((x) => str(x));
    const full = arr(s.players).map((x) => str(x));
    return [short[0] || full[0] || '', short[1] || full[1] || ''];
  }

  renderSport(s, dirty, live) {
    this.snap = s;
    this.renderBoard(s, live);
    const fresh = this.commFeed.sync(s.commentary);
    show(this.commEmpty, arr(s.commentary).length === 0);
    if (touches(dirty, 'commentary', 'games')) this.renderPoints(s);
    if (live) {
      for (const c of fresh) {
        const t = str(c.text);
        if (/Game, set and match|^.*\. Set |Break!/.test(t)) this.announce(t);
      }
    }
    this.renderStats(s);
  }

  renderBoard(s, live) {
    const players = arr(s.players).map((x) => str(x));
    const seeds = arr(s.seeds);
    const countries = arr(s.countries);
    const cur = obj(s.current);
    const active = s.status === 'live' && Boolean(cur);
    const sets = shownSets(s.sets, active);
    // Heading: one column per set shown, then the game score while live.
    const want = 1 + sets.length + (active ? 1 : 0);
    const heads = this.headRow.cells;
    const attached = this.pointsHead.parentNode === this.headRow;
    if (attached && (!active || heads.length - 2 !== sets.length)) this.pointsHead.remove();
    if (this.pointsHead.parentNode !== this.headRow) {
      while (heads.length > 1 + sets.length) heads[heads.length - 1].remove();
      while (heads.length < 1 + sets.length) {
        const i = heads.length;
        this.headRow.append(h('th', { class: 'n set', attrs: { scope: 'col' } }, h('abbr', { title: `Set ${i}`, text: String(i) })));
      }
    }
    if (active) {
      setText(this.pointsHead, cur.tiebreak ? 'TB' : 'Game');
      setAttr(this.pointsHead, 'title', cur.tiebreak ? 'Tiebreak points' : 'Points in this game');
      if (this.pointsHead.parentNode !== this.headRow) this.headRow.append(this.pointsHead);
    }
    syncRows(this.boardBody, [0, 1], (k) => h('tr', { testid: 'scoreboard-row', data: { side: k } },
      h('th', { attrs: { scope: 'row' } },
        h('span', { class: 'serve', attrs: { 'aria-hidden': 'true' } }),
        h('span', { class: 'who' }), h('span', { class: 'seed muted' }), h('span', { class: 'country muted' }),
        h('span', { class: 'sr-only serving-sr' }))),
    (tr, k) => {
      const serving = active && s.server === k;
      setAttr(tr, 'data-serving', serving ? 'true' : 'false');
      tr.classList.toggle('serving', serving);
      tr.classList.toggle('winner', Boolean(s.winner) && s.winner === players[k]);
      const th = tr.cells[0];
      setText(th.children[1], players[k] || '');
      setText(th.children[2], seeds[k] != null ? `(${num(seeds[k])})` : '');
      setText(th.children[3], str(countries[k]));
      setText(th.children[4], serving ? ', serving' : s.winner === players[k] ? ', winner' : '');
      while (tr.cells.length < want) tr.append(h('td', { class: 'n' }));
      while (tr.cells.length > want) tr.lastChild.remove();
      sets.forEach((set, i) => {
        const cell = tr.cells[i + 1];
        const c = setCell(set, k);
        const text = `${c.main}${c.sup != null ? c.sup : ''}`;
        if (cell.__text !== text) {
          cell.__text = text;
          cell.replaceChildren(String(c.main), ...(c.sup != null ? [h('sup', { text: String(c.sup), attrs: { title: 'Tiebreak points' } })] : []));
        }
        cell.classList.add('set');
        cell.classList.remove('pts');
        setAttr(cell, 'data-testid', 'set-cell');
        setAttr(cell, 'data-set', i + 1);
        cell.classList.toggle('won', set.winner === k);
        cell.classList.toggle('current', active && i === sets.length - 1);
      });
      if (active) {
        const cell = tr.cells[want - 1];
        cell.classList.add('pts');
        cell.classList.remove('set', 'won', 'current');
        cell.__text = null;
        setAttr(cell, 'data-set', null);
        setAttr(cell, 'data-testid', 'points');
        const p = str(arr(cur.score)[k]);
        if (live && cell.textContent !== p && cell.textContent) flash(cell);
        setText(cell, p);
      }
    });
    const names = this.names(s);
    const info = active ? [`Set ${num(cur.set)}`, gameLabel(cur), s.server === 0 || s.server === 1 ? `${names[s.server]} serving` : ''] : [];
    setText(this.gameInfo, info.filter(Boolean).join(' · '));
    show(this.gameInfo, info.length > 0);
    const pr = active ? pressure(cur, names) : null;
    setText(this.flag, pr ? pr.text : '');
    setAttr(this.flag, 'data-kind', pr ? pr.kind : null);
    setAttr(this.flag, 'data-side', pr ? pr.side : null);
    show(this.flag, Boolean(pr));
  }

  // ----- point by point ------------------------------------------------------

  renderPoints(s) {
    const sets = pointByPoint(s.commentary, s.games, s.status === 'live' ? s.current : null);
    const pts = arr(s.commentary).filter((c) => obj(c) && obj(c.point));
    if (newEntries(pts, this.pointCount, this.pointLastSeq).reset) {
      this.games.clear();
      this.setLists = [];
      this.pbpPanels.replaceChildren();
    }
    this.pointCount = pts.length;
    this.pointLastSeq = pts.length ? pts[pts.length - 1].seq : null;
    show(this.pbpEmpty, sets.length === 0);
    const names = this.names(s);
    sets.forEach((set, i) => {
      if (!this.setLists[i]) {
        const list = h('ol', { class: 'pbp-games', attrs: { 'aria-label': `Set ${set.set} games, newest first` } });
        const panel = h('div', { class: 'panel', id: this.setTabs.panelId(i), hidden: true, attrs: { role: 'tabpanel', 'aria-labelledby': this.setTabs.tabId(i), tabindex: '0' } }, list);
        this.setLists[i] = { list, panel };
        this.pbpPanels.append(panel);
      }
      for (const g of set.games) this.renderGame(g, this.setLists[i].list, names);
    });
    this.setTabs.sync(sets.map((x) => ({ short: `Set ${x.set}`, long: null })));
    const sel = this.pickedSet != null && this.pickedSet < sets.length ? this.pickedSet : sets.length - 1;
    if (sets.length) this.setTabs.select(sel);
  }

  renderGame(g, list, names) {
    const key = `${g.set}-${g.game}`;
    let e = this.games.get(key);
    if (!e) {
      const head = h('div', { class: 'g-head' }, h('span', { class: 'g-server' }), h('span', { class: 'g-score' }), h('span', { class: 'g-tag' }));
      const points = h('ol', { class: 'g-points', attrs: { 'aria-label': 'Points, score after each' } });
      const li = h('li', { class: 'pbp-game', testid: 'pbp-game', data: { set: g.set, game: g.game } }, head, points);
      list.prepend(li);
      e = { li, head, points, count: 0 };
      this.games.set(key, e);
    }
    setAttr(e.li, 'data-server', g.server);
    setAttr(e.li, 'data-winner', g.winner);
    setAttr(e.li, 'data-broken', g.broken ? 'true' : 'false');
    setAttr(e.li, 'data-tiebreak', g.tiebreak ? 'true' : null);
    e.li.classList.toggle('broken', g.broken);
    e.li.classList.toggle('in-play', g.winner == null);
    const matchTb = g.tiebreak && this.snap && this.snap.final_set === 'match_tiebreak' && g.set === num(this.snap.best_of);
    setText(e.head.children[0], g.tiebreak ? (matchTb ? 'Match tiebreak' : 'Tiebreak') : `${names[g.server] || ''} serving`);
    setText(e.head.children[1], `${num(arr(g.games)[0])}-${num(arr(g.games)[1])}`);
    setAttr(e.head.children[1], 'data-testid', 'pbp-game-score');
    setText(e.head.children[2], g.broken ? 'Break' : g.winner == null ? 'In play' : '');
    for (let k = e.count; k < g.points.length; k += 1) {
      const p = g.points[k];
      e.points.append(h('li', { class: `pt w${p.winner}`, testid: 'pbp-point', data: { seq: p.seq, winner: p.winner } },
        h('span', { class: 'pt-score', text: p.label }),
        h('span', { class: 'sr-only', text: ` won by ${names[p.winner] || ''}${p.serve === 2 ? ', second serve' : ''}` })));
    }
    // A point's flag (the score it left is a break / set / match point) is known once the score is.
    g.points.forEach((p, k) => {
      const li = e.points.children[k];
      if (!li || li.__flag === p.flag) return;
      li.__flag = p.flag;
      const old = li.querySelector('.pt-flag');
      if (old) old.remove();
      setAttr(li, 'data-flag', p.flag || null);
      if (p.flag) li.children[0].after(h('abbr', { class: 'pt-flag', text: p.flag, attrs: { title: { BP: 'Break point', SP: 'Set point', MP: 'Match point' }[p.flag] } }));
    });
    e.count = g.points.length;
  }

  selectSet(i, byUser) {
    if (byUser) this.pickedSet = i === this.setLists.length - 1 ? null : i;
    this.setLists.forEach((x, k) => show(x.panel, k === i));
  }

  // ----- stats ----------------------------------------------------------------

  renderStats(s) {
    const per = arr(s.set_stats);
    const labels = [{ short: 'Match', long: 'Whole match' }, ...per.map((_, i) => ({ short: `Set ${i + 1}`, long: null }))];
    this.statTabs.sync(labels);
    // One panel shows whichever scope is chosen.
    for (const t of this.statTabs.tabs) setAttr(t, 'aria-controls', 'stats-panel');
    const i = Math.min(this.pickedStats, labels.length - 1);
    this.statTabs.select(i);
  }

  selectStats(i, byUser) {
    if (byUser) this.pickedStats = i;
    const s = this.snap;
    if (!s) return;
    const names = this.names(s);
    const pair = i === 0 ? s.stats : arr(s.set_stats)[i - 1];
    this.stats.setSides(names[0], names[1], str(arr(s.players)[0]), str(arr(s.players)[1]));
    setText(this.stats.caption, i === 0 ? 'Match statistics' : `Set ${i} statistics`);
    setAttr(this.stats.el, 'data-scope', i === 0 ? 'match' : `set-${i}`);
    setAttr(this.statsPanel, 'aria-labelledby', this.statTabs.tabId(i));
    this.stats.sync(statRows(pair));
  }

  commItem(c) {
    const kind = str(c.kind);
    const p = obj(c.point);
    const li = h('li', { class: `comm-item kind-${kind}${p ? '' : ' note'}`, testid: 'commentary-item', data: { seq: num(c.seq), kind } });
    if (p) {
      li.append(h('span', { class: 'comm-over', text: `S${num(p.set)} G${num(p.game)}`, attrs: { title: `Set ${num(p.set)}, game ${num(p.game)}` } }),
        h('span', { class: `side-dot s${num(p.winner)}`, attrs: { 'aria-hidden': 'true' } }));
    }
    li.append(h('p', { class: 'comm-text', text: str(c.text) }));
    return li;
  }
}
