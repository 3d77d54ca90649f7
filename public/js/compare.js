// A head-to-head stats table: one row per stat, the two sides' values on
// either side of its name and a split bar under the name showing each
// side's share. Used for football team stats, basketball team totals and
// tennis match / set stats.

import { h, setText, setAttr, syncRows } from './dom.js';
import { num } from './format.js';

/** Each side's share of a + b in percent (rounded to 0.1), [0, 0] when both are 0. */
export function shares(a, b) {
  const x = Math.max(0, num(a));
  const y = Math.max(0, num(b));
  if (x + y === 0) return [0, 0];
  const pa = Math.round((x / (x + y)) * 1000) / 10;
  return [pa, Math.round((100 - pa) * 10) / 10];
}

/** "69% (49/71)", or "–" with nothing attempted. */
export function pctOf(made, att) {
  const m = num(made);
  const a = num(att);
  if (a <= 0) return '–';
  return `${Math.round((m / a) * 100)}% (${m}/${a})`;
}

function setWidth(el, pct) {
  const w = `${pct}%`;
  if (el.style.width !== w) el.style.width = w;
}

export class CompareTable {
  /**
   * @param {{caption: string, testid?: string, className?: string}} o
   */
  constructor({ caption, testid, className = '' }) {
    this.sideA = h('th', { class: 'n cmp-side', attrs: { scope: 'col' } });
    this.sideB = h('th', { class: 'n cmp-side', attrs: { scope: 'col' } });
    this.body = h('tbody');
    this.caption = h('caption', { class: 'sr-only', text: caption });
    this.el = h('table', { class: `compare ${className}`.trim(), testid },
      this.caption,
      h('thead', {}, h('tr', {}, this.sideA, h('th', { class: 'cmp-stat', attrs: { scope: 'col' } }, h('span', { class: 'sr-only', text: 'Statistic' })), this.sideB)),
      this.body);
  }

  /** The column headings: the two sides' short names (full names for screen readers). */
  setSides(a, b, fullA = a, fullB = b) {
    setText(this.sideA, a);
    setText(this.sideB, b);
    setAttr(this.sideA, 'aria-label', fullA !== a ? fullA : null);
    setAttr(this.sideB, 'aria-label', fullB !== b ? fullB : null);
  }

  /**
   * @param {{key: string, label: string, a: string, b: string, av: number, bv: number}[]} rows
   *   `a`/`b` are the texts shown, `av`/`bv` the numbers behind the bar.
   */
  sync(rows) {
    syncRows(this.body, rows, () => {
      const barA = h('span', { class: 'cmp-bar s0' });
      const barB = h('span', { class: 'cmp-bar s1' });
      return h('tr', { testid: 'stat-row' },
        h('td', { class: 'n cmp-a' }),
        h('th', { attrs: { scope: 'row' } }, h('span', { class: 'cmp-label' }), h('span', { class: 'cmp-bars', attrs: { 'aria-hidden': 'true' } }, barA, barB)),
        h('td', { class: 'n cmp-b' }));
    }, (tr, r) => {
      const [pa, pb] = shares(r.av, r.bv);
      setAttr(tr, 'data-stat', r.key);
      setText(tr.cells[0], r.a);
      setText(tr.cells[1].firstChild, r.label);
      setText(tr.cells[2], r.b);
      const bars = tr.cells[1].lastChild;
      setWidth(bars.children[0], pa);
      setWidth(bars.children[1], pb);
      tr.classList.toggle('lead-a', num(r.av) > num(r.bv));
      tr.classList.toggle('lead-b', num(r.bv) > num(r.av));
    });
  }
}
