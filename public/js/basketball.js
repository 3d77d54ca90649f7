// The basketball match page: score and game clock, score by quarter (and
// overtime), team totals, the lead tracker, the box score and the
// play-by-play. Snapshot layout: sports/src/basketball/view.rs.

import { h, setText, setAttr, setHtml, show, syncRows, flash } from './dom.js';
import { arr, num, obj, str } from './format.js';
import { basketballPeriodName, mmss, periodHeading } from './clock.js';
import { CompareTable, pctOf } from './compare.js';
import { Feed } from './feed.js';
import { elapsedNow, leadStats, leadSvg, periodBounds } from './lead.js';
import { Tabs } from './tabs.js';
import { SportView, section, setTeamName, sideOf, teamName, touches } from './sportview.js';

/** "Q3", "OT", "2OT". */
export function periodShort(n) {
  const p = num(n);
  if (p <= 0) return '';
  return p <= 4 ? `Q${p}` : periodHeading(p - 1);
}

/** "12-25" made-attempted. */
const ma = (m, a) => `${num(m)}-${num(a)}`;

/** Team totals rows for the comparison table. */
export function totalsRows(totals) {
  const [a, b] = [obj(arr(totals)[0]) || {}, obj(arr(totals)[1]) || {}];
  const frac = (x, m, t) => (num(x[t]) > 0 ? num(x[m]) / num(x[t]) : 0);
  const shot = (key, label, m, t) => ({ key, label, a: pctOf(a[m], a[t]), b: pctOf(b[m], b[t]), av: frac(a, m, t), bv: frac(b, m, t) });
  const count = (key, label) => ({ key, label, a: String(num(a[key])), b: String(num(b[key])), av: num(a[key]), bv: num(b[key]) });
  return [
    shot('fg', 'Field goals', 'fgm', 'fga'),
    shot('tp', '3-pointers', 'tpm', 'tpa'),
    shot('ft', 'Free throws', 'ftm', 'fta'),
    count('reb', 'Rebounds'),
    count('oreb', 'Offensive rebounds'),
    count('ast', 'Assists'),
    count('stl', 'Steals'),
    count('blk', 'Blocks'),
    count('tov', 'Turnovers'),
    count('pf', 'Fouls'),
  ];
}

/** A play's time: "Q3 9:41" (blank for the match start). */
export function playTime(play) {
  const p = obj(play) || {};
  if (!num(p.period) || p.clock == null) return '';
  return `${periodShort(p.period)} ${mmss(p.clock)}`;
}

/** A lead point's tooltip: "Q2 5:31 · BOS 45–40 DEN". */
function leadLabel(p, codes) {
  const sc = arr(p.score);
  return `${periodShort(p.period)} ${mmss(p.clock)} · ${str(codes[0])} ${num(sc[0])}–${num(sc[1])} ${str(codes[1])}`;
}

const BOX_COLS = [
  ['min', 'MIN', 'Minutes'], ['pts', 'PTS', 'Points'], ['reb', 'REB', 'Rebounds'], ['ast', 'AST', 'Assists'],
  ['fg', 'FG', 'Field goals made-attempted'], ['tp', '3PT', 'Three-pointers made-attempted'], ['ft', 'FT', 'Free throws made-attempted'],
  ['oreb', 'OREB', 'Offensive rebounds'], ['dreb', 'DREB', 'Defensive rebounds'], ['stl', 'STL', 'Steals'], ['blk', 'BLK', 'Blocks'],
  ['tov', 'TO', 'Turnovers'], ['pf', 'PF', 'Personal fouls'], ['pm', '+/-', 'Plus-minus'],
];

/** One player's (or the team totals') box score cells, in BOX_COLS order. */
export function boxCells(r) {
  const p = obj(r) || {};
  const pm = num(p.pm);
  return [
    str(p.min), String(num(p.pts)), String(num(p.reb)), String(num(p.ast)),
    ma(p.fgm, p.fga), ma(p.tpm, p.tpa), ma(p.ftm, p.fta),
    String(num(p.oreb)), String(num(p.dreb)), String(num(p.stl)), String(num(p.blk)), String(num(p.tov)), String(num(p.pf)),
    p.pm == null ? '' : pm > 0 ? `+${pm}` : String(pm),
  ];
}

const NOTE_KINDS = new Set(['match_start', 'period_start', 'period_end', 'timeout', 'abandoned']);

export class BasketballView extends SportView {
  constructor(id, opts = {}) {
    super(id, opts, 'basketball');
    this.build();
  }

  build() {
    const sideBox = (k) => {
      const name = teamName('side-name');
      const ball = h('span', { class: 'ball', attrs: { 'aria-hidden': 'true' }, hidden: true });
      const info = h('p', { class: 'bb-info muted', testid: 'team-info', data: { side: k } });
      return { el: h('div', { class: 'bb-side', data: { side: k } }, h('p', { class: 'bb-name' }, name, ball), info), name, ball, info };
    };
    this.sides = [sideBox(0), sideBox(1)];
    this.points = [0, 1].map((k) => h('span', { class: 'bb-points', testid: 'side-score', data: { side: k } }));
    this.scoreSr = h('span', { class: 'sr-only' });
    this.clock = h('span', { class: 'bb-clock', testid: 'clock' });
    this.periodName = h('span', { class: 'bb-period muted', testid: 'period' });
    this.shot = h('span', { class: 'bb-shot muted', testid: 'shot-clock', hidden: true });
    const centre = h('div', { class: 'bb-centre' },
      h('p', { class: 'bb-score' }, h('span', { attrs: { 'aria-hidden': 'true' } }, this.points[0], h('span', { class: 'fb-dash', text: '–' }), this.points[1]), this.scoreSr),
      h('p', { class: 'bb-time' }, this.clock, this.periodName, this.shot));
    this.board.append(h('div', { class: 'bb-main' }, this.sides[0].el, centre, this.sides[1].el));

    // Score by period.
    this.lineHead = h('tr');
    this.lineBody = h('tbody');
    this.linescore = h('table', { class: 'linescore', testid: 'linescore' },
      h('caption', { class: 'sr-only', text: 'Points by period' }), h('thead', {}, this.lineHead), this.lineBody);
    this.totals = new CompareTable({ caption: 'Team totals', testid: 'team-stats' });
    this.scoring = section('scoring', 'Score by quarter', 'scoring-card',
      h('div', { class: 'scroll-x', attrs: { role: 'region', 'aria-label': 'Score by quarter', tabindex: '0' } }, this.linescore),
      h('details', { class: 'totals', open: true }, h('summary', { text: 'Team totals' }), this.totals.el));

    // Lead tracker.
    this.leadBox = h('div', { class: 'chart-box lead-box', testid: 'lead-tracker' });
    this.leadStatsEl = h('dl', { class: 'lead-stats', testid: 'lead-stats' });
    this.leadCard = section('lead', 'Lead tracker', 'lead-card', this.leadStatsEl, this.leadBox);

    // Box score.
    this.boxTabs = new Tabs({ label: 'Box score team', idPrefix: 'box', testid: 'box-tab', onSelect: (i, byUser) => this.selectBox(i, byUser) });
    this.boxPanels = h('div', { class: 'panels' });
    this.boxes = [];
    this.boxCard = section('box', 'Box score', 'box-score', this.boxTabs.el, this.boxPanels);

    // Play-by-play.
    this.pbp = h('ol', { class: 'commentary pbp', testid: 'play-by-play', attrs: { 'aria-label': 'Play-by-play, newest first', tabindex: '0' } });
    this.pbpEmpty = h('p', { class: 'muted', text: 'Play-by-play starts with the tip-off.' });
    this.pbpCard = section('pbp', 'Play-by-play', 'pbp-card', this.pbpEmpty, this.pbp);
    this.pbpCard.classList.add('comm');
    this.pbpFeed = new Feed(this.pbp, { newestFirst: true, build: (p) => this.playItem(p) });

    this.mainCol.append(this.scoring, this.leadCard, this.boxCard);
    this.side.append(this.pbpCard);

    if (typeof ResizeObserver === 'function') {
      this.resizeObs = new ResizeObserver(() => {
        const w = this.leadBox.clientWidth;
        if (this.snap && w && Math.abs(w - (this.chartWidth || 0)) > 24) this.renderLead(this.snap);
      });
      this.resizeObs.observe(this.leadBox);
    }
  }

  destroy() {
    super.destroy();
    if (this.resizeObs) this.resizeObs.disconnect();
  }

  metaParts(s) {
    const rules = { nba: 'NBA rules', fiba: 'FIBA rules' }[s.rules] || '';
    return [str(s.venue), str(s.date), rules];
  }

  renderSport(s, dirty, live) {
    this.snap = s;
    const teams = arr(s.teams).map((t) => str(t));
    const codes = arr(s.codes).map((t) => str(t));
    const score = arr(s.score);
    const per = obj(s.period) || {};
    const started = num(per.number) > 0;
    for (const k of [0, 1]) {
      const side = this.sides[k];
      setTeamName(side.name, teams[k] || '', codes[k] || '');
      side.el.classList.toggle('winner', Boolean(s.winner) && s.winner === teams[k]);
      const has = s.status === 'live' && s.possession === k;
      show(side.ball, has);
      setAttr(side.el, 'data-possession', has ? 'true' : null);
      const info = [];
      if (s.status === 'live' && started) {
        info.push(`Timeouts ${num(arr(s.timeouts)[k])}`, `Fouls ${num(arr(s.team_fouls)[k])}`);
        if (arr(s.bonus)[k]) info.push('Bonus');
      }
      if (has) info.push('Ball');
      setText(side.info, info.join(' · '));
      const pts = started || s.status !== 'scheduled' ? String(num(score[k])) : '';
      if (live && this.points[k].textContent && this.points[k].textContent !== pts) flash(this.points[k]);
      setText(this.points[k], pts);
    }
    setText(this.scoreSr, started ? `${teams[0]} ${num(score[0])}, ${teams[1]} ${num(score[1])}` : `${teams[0]} v ${teams[1]}`);
    setText(this.clock, started ? str(per.status_label) : 'Tip-off soon');
    setAttr(this.clock, 'data-running', per.running ? 'true' : 'false');
    setText(this.periodName, per.running ? basketballPeriodName(per.number) : '');
    show(this.periodName, Boolean(per.running));
    const sc = s.shot_clock;
    setText(this.shot, typeof sc === 'number' && per.running ? `Shot clock ${sc}` : '');
    show(this.shot, typeof sc === 'number' && Boolean(per.running));

    if (touches(dirty, 'by_period', 'score', 'period', 'codes')) this.renderLinescore(s);
    if (touches(dirty, 'totals')) {
      this.totals.setSides(codes[0] || '', codes[1] || '', teams[0], teams[1]);
      this.totals.sync(totalsRows(s.totals));
    }
    if (touches(dirty, 'lead', 'period')) this.renderLead(s);
    if (touches(dirty, 'box')) this.renderBox(s);
    if (touches(dirty, 'commentary')) {
      const added = this.pbpFeed.sync(s.commentary);
      show(this.pbpEmpty, arr(s.commentary).length === 0);
      if (live) for (const p of added) if (p.kind === 'period_end') this.announce(str(p.text));
    }
  }

  renderLinescore(s) {
    const by = arr(s.by_period);
    const n = Math.max(4, by.length);
    const current = num(obj(s.period) && s.period.number);
    const heads = ['Team', ...Array.from({ length: n }, (_, i) => periodHeading(i)), 'T'];
    while (this.lineHead.cells.length < heads.length) this.lineHead.append(h('th', { class: 'n', attrs: { scope: 'col' } }));
    while (this.lineHead.cells.length > heads.length) this.lineHead.lastChild.remove();
    heads.forEach((t, i) => {
      setText(this.lineHead.cells[i], t);
      setAttr(this.lineHead.cells[i], 'title', i > 0 && i <= n ? basketballPeriodName(i) : i === 0 ? null : 'Total');
      this.lineHead.cells[i].classList.toggle('n', i > 0);
    });
    const codes = arr(s.codes);
    syncRows(this.lineBody, [0, 1], (k) => h('tr', { testid: 'linescore-row', data: { side: k } }, h('th', { attrs: { scope: 'row' } })), (tr, k) => {
      while (tr.cells.length < n + 2) tr.append(h('td', { class: 'n' }));
      while (tr.cells.length > n + 2) tr.lastChild.remove();
      setText(tr.cells[0], str(codes[k]));
      setAttr(tr.cells[0], 'title', str(arr(s.teams)[k]));
      for (let i = 0; i < n; i += 1) {
        const v = arr(by[i])[k];
        const cell = tr.cells[i + 1];
        setText(cell, i < by.length ? num(v) : '');
        setAttr(cell, 'data-period', i + 1);
        cell.classList.toggle('current', s.status === 'live' && i + 1 === current);
      }
      const total = tr.cells[n + 1];
      setText(total, num(arr(s.score)[k]));
      total.classList.add('total');
    });
  }

  renderLead(s) {
    const codes = arr(s.codes).map((c) => str(c));
    const by = arr(s.by_period);
    const bounds = periodBounds(s.quarter_minutes, Math.max(by.length, num(obj(s.period) && s.period.number)));
    const width = this.leadBox.clientWidth || 640;
    const until = s.status === 'scheduled' ? 0 : elapsedNow(s, bounds);
    const lead = arr(s.lead);
    // Redrawn for a new score, a new period, a resize, or each game minute (the line holds to now).
    const key = `${lead.length}:${(lead[lead.length - 1] || {}).seq}:${bounds.length}:${width}:${Math.floor(until / 60)}`;
    if (key === this.leadKey) return;
    this.leadKey = key;
    this.chartWidth = width;
    setHtml(this.leadBox, leadSvg(lead, { bounds, codes, until, width, id: `lead-${String(this.id).replace(/[^A-Za-z0-9_-]/g, '_')}`, label: (p) => leadLabel(p, codes) }));
    const st = leadStats(lead);
    const items = [
      ['Lead changes', String(st.changes), 'changes'],
      ['Times tied', String(st.ties), 'ties'],
      [`Largest lead ${codes[0] || ''}`.trim(), String(st.largest[0]), 'largest-0'],
      [`Largest lead ${codes[1] || ''}`.trim(), String(st.largest[1]), 'largest-1'],
    ];
    while (this.leadStatsEl.children.length < items.length) this.leadStatsEl.append(h('div', {}, h('dt'), h('dd')));
    items.forEach(([dt, dd, key], i) => {
      const div = this.leadStatsEl.children[i];
      setAttr(div, 'data-stat', key);
      setText(div.children[0], dt);
      setText(div.children[1], dd);
    });
  }

  buildBox(k) {
    const caption = h('caption', { class: 'sr-only' });
    const body = h('tbody');
    const total = h('tr', { class: 'total', testid: 'box-total', data: { side: k } }, h('th', { attrs: { scope: 'row' }, text: 'Totals' }), ...BOX_COLS.map(() => h('td', { class: 'n' })));
    const table = h('table', { class: 'box', testid: 'box-table', data: { side: k } }, caption,
      h('thead', {}, h('tr', {}, h('th', { class: 'player', attrs: { scope: 'col' }, text: 'Player' }),
        ...BOX_COLS.map(([key, short, long]) => h('th', { class: `n c-${key}`, attrs: { scope: 'col' } }, h('abbr', { title: long, text: short }))))),
      body, h('tfoot', {}, total));
    const el = h('div', {
      class: 'panel scroll-x', id: this.boxTabs.panelId(k), hidden: true,
      attrs: { role: 'tabpanel', 'aria-labelledby': this.boxTabs.tabId(k), tabindex: '0' },
    }, table);
    return { el, caption, body, total };
  }

  renderBox(s) {
    const boxes = arr(s.box);
    while (this.boxes.length < boxes.length) {
      const b = this.buildBox(this.boxes.length);
      this.boxes.push(b);
      this.boxPanels.append(b.el);
    }
    this.boxTabs.sync(boxes.map((b) => ({ short: str(b && (b.code || b.team)), long: `${str(b && b.team)} box score` })));
    if (this.boxTabs.tabs.length && !this.boxTabs.tabs.some((t) => t.getAttribute('aria-selected') === 'true')) this.boxTabs.select(0);
    const limit = num(s.foul_limit, 6);
    boxes.forEach((b, k) => {
      const box = this.boxes[k];
      setText(box.caption, `${str(b.team)} box score`);
      const players = arr(b && b.players).filter((p) => obj(p));
      syncRows(box.body, players, () => h('tr', { testid: 'box-row', data: { side: k } },
        h('th', { attrs: { scope: 'row' } }, h('span', { class: 'who' }), h('span', { class: 'tag' })), ...BOX_COLS.map(([key]) => h('td', { class: `n c-${key}` }))),
      (tr, p, i) => {
        const name = str(p.name);
        setAttr(tr, 'data-name', name);
        setAttr(tr, 'data-on-court', p.on_court ? 'true' : 'false');
        setAttr(tr, 'data-out', p.out || null);
        tr.classList.toggle('on-court', Boolean(p.on_court) && s.status === 'live');
        tr.classList.toggle('first-bench', !p.starter && (i === 0 || (players[i - 1] && players[i - 1].starter)));
        setText(tr.cells[0].children[0], name);
        const tag = p.out === 'fouled_out' ? 'Fouled out' : p.out === 'ejected' ? 'Ejected' : str(p.position).toUpperCase();
        setText(tr.cells[0].children[1], tag);
        tr.cells[0].children[1].classList.toggle('out', Boolean(p.out));
        boxCells(p).forEach((t, c) => setText(tr.cells[c + 1], t));
        tr.cells[13].classList.toggle('warn', num(p.pf) >= limit - 1);
      });
      const tot = obj(arr(s.totals)[k]) || {};
      const cells = boxCells({ ...tot, min: '', pm: null });
      cells.forEach((t, c) => setText(box.total.cells[c + 1], t));
    });
  }

  selectBox(i) {
    this.boxes.forEach((b, k) => show(b.el, k === i));
  }

  playItem(p) {
    const kind = str(p.kind);
    const note = NOTE_KINDS.has(kind);
    const side = sideOf(p.team);
    const scoring = num(p.points) > 0;
    const li = h('li', {
      class: `comm-item play kind-${kind}${note ? ' note' : ''}${scoring ? ' scoring' : ''}`,
      testid: 'pbp-item',
      data: { seq: num(p.seq), kind, side: side ?? 'none' },
    });
    if (!note) {
      li.append(h('span', { class: 'comm-over', text: playTime(p) }), side != null ? h('span', { class: `side-dot s${side}`, attrs: { 'aria-hidden': 'true' } }) : h('span'));
    }
    li.append(h('p', { class: 'comm-text', text: str(p.text) }));
    if (scoring) li.append(h('span', { class: 'play-score', text: `${num(arr(p.score)[0])}–${num(arr(p.score)[1])}` }));
    return li;
  }
}
