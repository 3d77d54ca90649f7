// The football match page: score with scorers and a running clock, the
// shoot-out, the timeline of key moments, team stats bars, line-ups and
// the commentary. Snapshot layout: sports/src/football/view.rs.

import { h, setText, setAttr, show, syncRows, flash } from './dom.js';
import { arr, num, obj, str } from './format.js';
import { footballClock, footballPhase, nextClockChange } from './clock.js';
import { CompareTable } from './compare.js';
import { Feed } from './feed.js';
import { SportView, section, setTeamName, sideOf, teamName, touches } from './sportview.js';

const GOAL_KINDS = new Set(['goal', 'own_goal', 'penalty_goal']);
const POSITIONS = { gk: 'Goalkeeper', df: 'Defender', mf: 'Midfielder', fw: 'Forward' };

/**
 * Each side's scorers as shown under its name: "Nikola Marino 16', 70' (pen)",
 * "Dani Pereira (og) 34'", in the order they first scored.
 */
export function scorers(timeline, side) {
  const by = new Map();
  for (const e of arr(timeline)) {
    const k = obj(e);
    if (!k || !GOAL_KINDS.has(k.kind) || k.team !== side) continue;
    const own = k.kind === 'own_goal';
    const key = `${str(k.player)}|${own}`;
    if (!by.has(key)) by.set(key, { name: str(k.player), own, minutes: [] });
    by.get(key).minutes.push(`${str(k.clock)}${k.kind === 'penalty_goal' ? ' (pen)' : ''}`);
  }
  return [...by.values()].map((g) => `${g.name}${g.own ? ' (og)' : ''} ${g.minutes.join(', ')}`);
}

/**
 * What ended at a `period_end` moment of `minute` with `score`: "Half
 * time", "Full time", or "End of normal time" when a knockout tie is level
 * after 90 minutes (extra time follows) …
 */
export function periodEndName(minute, s, score = null) {
  const half = num(s && s.half_minutes, 45);
  const extra = num(s && s.extra_minutes, 15);
  const sc = arr(score || (s && s.score));
  const level = sc.length === 2 && num(sc[0]) === num(sc[1]);
  if (minute <= half) return 'Half time';
  if (minute <= 2 * half) return s && s.knockout && level ? 'End of normal time' : 'Full time';
  if (minute <= 2 * half + extra) return 'Extra time: half time';
  return 'End of extra time';
}

/** A timeline entry in words: {title, detail, spoken}. */
export function momentText(e, s) {
  const k = obj(e) || {};
  const score = arr(k.score);
  const codes = arr(s && s.codes);
  const team = sideOf(k.team) != null ? str(arr(s && s.teams)[k.team]) : '';
  const at = `${num(score[0])}–${num(score[1])}`;
  switch (k.kind) {
    case 'goal':
      return { title: str(k.player), detail: k.other ? `Assist: ${str(k.other)}` : 'Goal', spoken: `Goal for ${team}, ${str(k.player)}. ${at}` };
    case 'penalty_goal':
      return { title: str(k.player), detail: 'Penalty', spoken: `Penalty scored for ${team} by ${str(k.player)}. ${at}` };
    case 'own_goal':
      return { title: str(k.player), detail: 'Own goal', spoken: `Own goal by ${str(k.player)}, credited to ${team}. ${at}` };
    case 'penalty_miss':
      return { title: str(k.player), detail: 'Penalty missed', spoken: `Penalty missed by ${str(k.player)}` };
    case 'yellow':
      return { title: str(k.player), detail: 'Yellow card', spoken: `Yellow card for ${str(k.player)}` };
    case 'second_yellow':
      return { title: str(k.player), detail: 'Second yellow: sent off', spoken: `Second yellow card, ${str(k.player)} is sent off` };
    case 'red':
      return { title: str(k.player), detail: 'Red card', spoken: `Red card for ${str(k.player)}` };
    case 'substitution':
      return { title: str(k.player), detail: `Off: ${str(k.other)}`, spoken: `Substitution ${team}: ${str(k.player)} on for ${str(k.other)}` };
    case 'period_end': {
      const name = periodEndName(num(k.minute), s, k.score);
      return { title: name, detail: `${str(codes[0])} ${at} ${str(codes[1])}`.trim(), spoken: `${name}: ${at}` };
    }
    default:
      return { title: str(k.player), detail: str(k.kind), spoken: '' };
  }
}

/** Team stats rows for the comparison table. */
export function statRows(stats) {
  const st = obj(stats) || {};
  const pair = (k) => [num(arr(st[k])[0]), num(arr(st[k])[1])];
  const rows = [];
  const poss = Array.isArray(st.possession) ? st.possession : null;
  rows.push({ key: 'possession', label: 'Possession', a: poss ? `${num(poss[0])}%` : '–', b: poss ? `${num(poss[1])}%` : '–', av: poss ? num(poss[0]) : 0, bv: poss ? num(poss[1]) : 0 });
  for (const [key, label] of [['shots', 'Shots'], ['on_target', 'Shots on target'], ['corners', 'Corners'], ['fouls', 'Fouls'], ['offsides', 'Offsides'], ['saves', 'Saves'], ['yellow', 'Yellow cards'], ['red', 'Red cards']]) {
    const [a, b] = pair(key);
    rows.push({ key, label, a: String(a), b: String(b), av: a, bv: b });
  }
  return rows;
}

function icon(kind) {
  const cls = { goal: 'goal', penalty_goal: 'goal', own_goal: 'goal own', penalty_miss: 'miss', yellow: 'booking yellow', second_yellow: 'booking second', red: 'booking red', substitution: 'sub', period_end: 'whistle' }[kind] || 'dot';
  return h('span', { class: `ev-icon ${cls}`, attrs: { 'aria-hidden': 'true' } });
}

export class FootballView extends SportView {
  constructor(id, opts = {}) {
    super(id, opts, 'football');
    this.clockTimer = null;
    this.build();
  }

  build() {
    const sideBox = (k) => {
      const name = teamName('side-name');
      const list = h('ul', { class: 'scorers', testid: 'scorers', data: { side: k }, attrs: { 'aria-label': 'Scorers' } });
      return { el: h('div', { class: 'fb-side', data: { side: k } }, name, list), name, list };
    };
    this.sides = [sideBox(0), sideBox(1)];
    this.goals = [0, 1].map((k) => h('span', { class: 'fb-goals', testid: 'side-score', data: { side: k } }));
    this.scoreSr = h('span', { class: 'sr-only' });
    this.clock = h('span', { class: 'fb-clock', testid: 'clock', data: { running: 'false' } });
    this.phase = h('span', { class: 'fb-phase muted', testid: 'period' });
    this.pens = h('p', { class: 'fb-pens', testid: 'shootout-score', hidden: true });
    const centre = h('div', { class: 'fb-centre' },
      h('p', { class: 'fb-score' }, h('span', { attrs: { 'aria-hidden': 'true' } }, this.goals[0], h('span', { class: 'fb-dash', text: '–' }), this.goals[1]), this.scoreSr),
      h('p', { class: 'fb-time' }, this.clock, this.phase),
      this.pens);
    this.board.append(h('div', { class: 'fb-main' }, this.sides[0].el, centre, this.sides[1].el));

    // Shoot-out.
    this.kicksBody = h('tbody');
    this.shootout = section('shootout', 'Penalty shoot-out', 'shootout',
      h('div', { class: 'scroll-x', attrs: { role: 'region', 'aria-label': 'Shoot-out kicks', tabindex: '0' } },
        h('table', { class: 'kicks' }, h('caption', { class: 'sr-only', text: 'Penalty kicks, in order' }), this.kicksBody)));
    this.shootout.hidden = true;

    // Timeline.
    this.timelineList = h('ol', { class: 'timeline', testid: 'timeline', attrs: { 'aria-label': 'Key moments, in order' } });
    this.timelineEmpty = h('p', { class: 'muted', text: 'Goals, cards and substitutions appear here.' });
    this.timeline = section('timeline', 'Timeline', 'timeline-card', this.timelineEmpty, this.timelineList);
    this.timelineFeed = new Feed(this.timelineList, { build: (e) => this.momentItem(e) });

    // Stats.
    this.stats = new CompareTable({ caption: 'Team statistics', testid: 'team-stats' });
    this.statsCard = section('stats', 'Team stats', 'stats-card', this.stats.el);

    // Line-ups.
    this.lineupBox = h('div', { class: 'lineups' });
    this.lineups = section('lineups', 'Line-ups', 'lineups', this.lineupBox);
    this.lineupTables = [];

    // Commentary.
    this.comm = h('ol', { class: 'commentary', testid: 'commentary', attrs: { 'aria-label': 'Commentary, newest first', tabindex: '0' } });
    this.commEmpty = h('p', { class: 'muted', text: 'Commentary starts with the first event.' });
    this.commentary = section('commentary', 'Commentary', 'commentary-card', this.commEmpty, this.comm);
    this.commentary.classList.add('comm');
    this.commFeed = new Feed(this.comm, { newestFirst: true, build: (c) => this.commItem(c) });

    this.mainCol.append(this.shootout, this.timeline, this.statsCard, this.lineups);
    this.side.append(this.commentary);
  }

  metaParts(s) {
    return [str(s.venue), str(s.date), s.knockout ? 'Knockout' : ''];
  }

  renderSport(s, dirty, live) {
    this.snap = s;
    const teams = arr(s.teams).map((t) => str(t));
    const codes = arr(s.codes).map((t) => str(t));
    const score = arr(s.score);
    const winner = str(s.winner);
    for (const k of [0, 1]) {
      setTeamName(this.sides[k].name, teams[k] || '', codes[k] || '');
      this.sides[k].el.classList.toggle('winner', Boolean(winner) && winner === teams[k]);
      const g = s.status === 'scheduled' ? '' : String(num(score[k]));
      if (live && this.goals[k].textContent && this.goals[k].textContent !== g) flash(this.goals[k]);
      setText(this.goals[k], g);
    }
    setText(this.scoreSr, s.status === 'scheduled' ? `${teams[0]} v ${teams[1]}` : `${teams[0]} ${num(score[0])}, ${teams[1]} ${num(score[1])}`);
    this.renderClock();
    setText(this.phase, footballPhase(s));
    const so = obj(s.shootout);
    const soScore = so ? arr(so.score) : null;
    setText(this.pens, so ? `Penalties ${num(soScore[0])}–${num(soScore[1])}` : '');
    show(this.pens, Boolean(so));
    if (touches(dirty, 'timeline')) {
      for (const k of [0, 1]) {
        const lines = scorers(s.timeline, k);
        this.syncList(this.sides[k].list, lines);
      }
      const added = this.timelineFeed.sync(s.timeline);
      show(this.timelineEmpty, arr(s.timeline).length === 0);
      if (live) for (const e of added) this.announceMoment(e);
    }
    if (touches(dirty, 'shootout')) this.renderShootout(s);
    if (touches(dirty, 'stats')) {
      this.stats.setSides(codes[0] || '', codes[1] || '', teams[0], teams[1]);
      this.stats.sync(statRows(s.stats));
    }
    if (touches(dirty, 'lineups')) this.renderLineups(s);
    if (touches(dirty, 'commentary')) {
      this.commFeed.sync(s.commentary);
      show(this.commEmpty, arr(s.commentary).length === 0);
    }
  }

  /** Scorer lines: one <li> each, reused in place. */
  syncList(list, lines) {
    while (list.children.length > lines.length) list.lastChild.remove();
    lines.forEach((t, i) => {
      if (!list.children[i]) list.append(h('li'));
      setText(list.children[i], t);
    });
  }

  /** The clock, run on between events; re-armed for its next change. */
  renderClock() {
    const s = this.snap;
    if (!s || this.destroyed) return;
    const c = footballClock(s.clock, this.now());
    setText(this.clock, c.label);
    setAttr(this.clock, 'data-running', c.running ? 'true' : 'false');
    setAttr(this.clock, 'aria-label', c.label ? `Match clock ${c.label.replace("'", ' minutes').replace('+', ' plus ')}` : null);
    this.cancel(this.clockTimer);
    this.clockTimer = null;
    const wait = nextClockChange(s.clock, this.now());
    if (wait != null) this.clockTimer = this.later(() => this.renderClock(), wait);
  }

  momentItem(e) {
    const s = this.snap || {};
    const t = momentText(e, s);
    const side = sideOf(e.team);
    const kind = str(e.kind);
    const code = side != null ? str(arr(s.codes)[side]) : '';
    const li = h('li', {
      class: `moment kind-${kind}${GOAL_KINDS.has(kind) ? ' is-goal' : ''}${kind === 'period_end' ? ' note' : ''}`,
      testid: 'timeline-item',
      data: { seq: num(e.seq), kind, side: side ?? 'none' },
    });
    li.append(h('span', { class: 'moment-clock', text: str(e.clock) }), icon(kind));
    const body = h('div', { class: 'moment-body' },
      h('span', { class: 'moment-title' }, t.title, GOAL_KINDS.has(kind) ? h('span', { class: 'moment-score', text: ` ${num(arr(e.score)[0])}–${num(arr(e.score)[1])}` }) : null),
      h('span', { class: 'moment-detail muted', text: t.detail }));
    if (code) body.prepend(h('abbr', { class: `team-tag s${side}`, text: code, attrs: { title: str(arr(s.teams)[side]) } }));
    li.append(body);
    return li;
  }

  announceMoment(e) {
    if (!GOAL_KINDS.has(e.kind) && e.kind !== 'second_yellow' && e.kind !== 'red' && e.kind !== 'period_end') return;
    const t = momentText(e, this.snap);
    if (t.spoken) this.announce(t.spoken);
  }

  renderShootout(s) {
    const so = obj(s.shootout);
    show(this.shootout, Boolean(so));
    if (!so) return;
    const kicks = arr(so.kicks);
    const n = Math.max(5, arr(kicks[0]).length, arr(kicks[1]).length);
    const codes = arr(s.codes);
    syncRows(this.kicksBody, [0, 1], (k) => h('tr', { data: { side: k } }, h('th', { attrs: { scope: 'row' } }), h('td', { class: 'n kicks-total' })), (tr, k) => {
      setText(tr.cells[0], str(codes[k]));
      setAttr(tr.cells[0], 'title', str(arr(s.teams)[k]));
      const mine = arr(kicks[k]);
      const want = n + 2;
      while (tr.cells.length < want) tr.insertBefore(h('td', { class: 'kick' }), tr.cells[tr.cells.length - 1]);
      while (tr.cells.length > want) tr.cells[tr.cells.length - 2].remove();
      for (let i = 0; i < n; i += 1) {
        const cell = tr.cells[i + 1];
        const kick = obj(mine[i]);
        let mark = cell.firstChild;
        if (!mark) {
          mark = h('span', { class: 'kick-mark' });
          cell.append(mark);
        }
        setAttr(mark, 'data-testid', kick ? 'shootout-kick' : null);
        setAttr(mark, 'data-scored', kick ? String(Boolean(kick.scored)) : null);
        setAttr(mark, 'data-player', kick ? str(kick.player) : null);
        setAttr(mark, 'title', kick ? `${str(kick.player)}: ${kick.scored ? 'scored' : 'missed'}` : 'To take');
        setText(mark, kick ? (kick.scored ? '✓' : '✗') : '');
        setAttr(mark, 'aria-label', kick ? `Kick ${i + 1}, ${str(kick.player)}, ${kick.scored ? 'scored' : 'missed'}` : `Kick ${i + 1}, not taken`);
        mark.className = `kick-mark ${kick ? (kick.scored ? 'scored' : 'missed') : 'todo'}`;
        cell.classList.toggle('next', s.status === 'live' && !kick && so.next === k && i === mine.length);
      }
      setText(tr.cells[tr.cells.length - 1], num(arr(so.score)[k]));
    });
  }

  renderLineups(s) {
    const lineups = arr(s.lineups);
    while (this.lineupTables.length < lineups.length) {
      const k = this.lineupTables.length;
      const caption = h('caption');
      const starters = h('tbody', { class: 'starters' });
      const bench = h('tbody', { class: 'bench' });
      const table = h('table', { class: 'lineup', testid: 'lineup', data: { side: k } }, caption,
        h('thead', {}, h('tr', {},
          h('th', { class: 'n num', attrs: { scope: 'col' } }, h('abbr', { title: 'Shirt number', text: '#' })),
          h('th', { attrs: { scope: 'col' }, text: 'Player' }),
          h('th', { class: 'evs', attrs: { scope: 'col' }, text: 'Match' }))),
        starters, bench);
      this.lineupTables.push({ table, caption, starters, bench });
      this.lineupBox.append(table);
    }
    lineups.forEach((lu, k) => {
      const t = this.lineupTables[k];
      const players = arr(lu && lu.players).filter((p) => obj(p));
      setText(t.caption, `${str(lu.team)}${lu.formation ? ` · ${str(lu.formation)}` : ''}`);
      const rowOf = () => h('tr', { testid: 'lineup-row', data: { side: k } },
        h('td', { class: 'n num' }), h('th', { attrs: { scope: 'row' } }, h('span', { class: 'who' }), h('span', { class: 'pos muted' })), h('td', { class: 'evs' }));
      const fill = (tr, p) => this.fillPlayer(tr, p);
      const starters = players.filter((p) => p.starter);
      const bench = players.filter((p) => !p.starter);
      syncRows(t.starters, starters, rowOf, fill);
      syncRows(t.bench, bench.length ? [null, ...bench] : [], (p) => (p === null ? h('tr', { class: 'bench-h' }, h('th', { attrs: { colspan: '3', scope: 'rowgroup' }, text: 'Substitutes' })) : rowOf()),
        (tr, p) => {
          if (p !== null) fill(tr, p);
        });
    });
  }

  fillPlayer(tr, p) {
    const name = str(p.name);
    setAttr(tr, 'data-name', name);
    setAttr(tr, 'data-starter', p.starter ? 'true' : 'false');
    setAttr(tr, 'data-on-pitch', p.on_pitch ? 'true' : 'false');
    tr.classList.toggle('off-pitch', !p.on_pitch);
    setText(tr.cells[0], p.number != null ? num(p.number) : '');
    setText(tr.cells[1].children[0], name);
    setText(tr.cells[1].children[1], str(p.position).toUpperCase());
    setAttr(tr.cells[1].children[1], 'title', POSITIONS[p.position] || null);
    const evs = [];
    for (let i = 0; i < num(p.goals); i += 1) evs.push(['goal', '', 'Goal']);
    for (let i = 0; i < num(p.own_goals); i += 1) evs.push(['own_goal', 'og', 'Own goal']);
    for (let i = 0; i < num(p.assists); i += 1) evs.push(['assist', 'A', 'Assist']);
    if (num(p.yellow) > 0) evs.push(['yellow', '', 'Yellow card']);
    if (p.red) evs.push([p.red === 'second_yellow' ? 'second_yellow' : 'red', '', p.red === 'second_yellow' ? 'Second yellow card' : 'Red card']);
    if (p.off) evs.push(['off', str(p.off), `Substituted off ${str(p.off)}`]);
    if (p.on) evs.push(['on', str(p.on), `Substituted on ${str(p.on)}`]);
    const key = evs.map((e) => e.join(':')).join('|');
    const cell = tr.cells[2];
    if (cell.__key === key) return;
    cell.__key = key;
    cell.replaceChildren(...evs.map(([kind, text, label]) => h('span', { class: `pev pev-${kind}`, data: { ev: kind }, attrs: { title: label } },
      h('span', { attrs: { 'aria-hidden': 'true' }, text }), h('span', { class: 'sr-only', text: label }))));
  }

  commItem(c) {
    const kind = str(c.kind);
    const note = ['match_start', 'period_start', 'period_end', 'stoppage_time', 'abandoned'].includes(kind);
    const side = sideOf(c.team);
    const li = h('li', {
      class: `comm-item kind-${kind}${note ? ' note' : ''}${kind === 'goal' ? ' goal' : ''}${kind === 'card' ? ' card-ev' : ''}`,
      testid: 'commentary-item',
      data: { seq: num(c.seq), kind },
    });
    if (!note) li.append(h('span', { class: 'comm-over', text: str(c.clock) }), side != null ? h('span', { class: `side-dot s${side}`, attrs: { 'aria-hidden': 'true' } }) : h('span'));
    li.append(h('p', { class: 'comm-text', text: str(c.text) }));
    return li;
  }

  docTitle(snap) {
    const s = obj(snap);
    if (!s) return 'livematch';
    if (s.status === 'live') {
      const codes = arr(s.codes);
      const score = arr(s.score);
      const c = footballClock(s.clock, this.now());
      return `${str(codes[0])} ${num(score[0])}–${num(score[1])} ${str(codes[1])} ${c.label} · livematch`;
    }
    return super.docTitle(s);
  }
}
