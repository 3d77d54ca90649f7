// An accessible tab strip (WAI-ARIA tabs pattern): arrow keys, Home and End
// move between tabs, one tab stop. The caller owns the panels and shows
// the one `onSelect` names.

import { h, setText, setAttr } from './dom.js';

export class Tabs {
  /**
   * @param {object} o
   * @param {string} o.label        aria-label of the tablist
   * @param {string} o.idPrefix     tab ids are `${idPrefix}-tab-${i}`, panels `${idPrefix}-panel-${i}`
   * @param {string} [o.testid]     data-testid of each tab
   * @param {(i: number, byUser: boolean) => void} o.onSelect
   */
  constructor({ label, idPrefix, testid, onSelect }) {
    this.idPrefix = idPrefix;
    this.testid = testid;
    this.onSelect = onSelect;
    this.tabs = [];
    this.selected = 0;
    this.el = h('div', { class: 'tabs', attrs: { role: 'tablist', 'aria-label': label } });
    this.el.addEventListener('keydown', (e) => this.onKey(e));
  }

  panelId(i) {
    return `${this.idPrefix}-panel-${i}`;
  }

  tabId(i) {
    return `${this.idPrefix}-tab-${i}`;
  }

  /** Make the strip hold one tab per label (added or dropped at the end). */
  sync(labels) {
    while (this.tabs.length < labels.length) {
      const i = this.tabs.length;
      const tab = h('button', {
        type: 'button', class: 'tab', id: this.tabId(i), testid: this.testid,
        data: { index: i }, attrs: { role: 'tab', 'aria-controls': this.panelId(i), 'aria-selected': 'false', tabindex: '-1' },
        onclick: () => this.select(i, true),
      });
      this.tabs.push(tab);
      this.el.append(tab);
    }
    while (this.tabs.length > labels.length) this.tabs.pop().remove();
    labels.forEach((l, i) => {
      const { short, long } = typeof l === 'string' ? { short: l, long: null } : l;
      setText(this.tabs[i], short);
      setAttr(this.tabs[i], 'aria-label', long);
    });
  }

  select(i, byUser = false) {
    if (i < 0 || i >= this.tabs.length) return;
    this.selected = i;
    this.tabs.forEach((t, k) => {
      setAttr(t, 'aria-selected', k === i ? 'true' : 'false');
      setAttr(t, 'tabindex', k === i ? '0' : '-1');
    });
    const tab = this.tabs[i];
    const strip = this.el;
    // Keep the chosen tab in view when the strip scrolls sideways (phones); never scroll the page.
    if (tab && strip.scrollWidth > strip.clientWidth) {
      const l = strip.getBoundingClientRect();
      const t = tab.getBoundingClientRect();
      if (t.left < l.left) strip.scrollLeft -= l.left - t.left;
      else if (t.right > l.right) strip.scrollLeft += t.right - l.right;
    }
    this.onSelect(i, byUser);
  }

  onKey(e) {
    const i = this.tabs.indexOf(document.activeElement);
    if (i < 0) return;
    const n = this.tabs.length;
    const next = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 }[e.key];
    if (next == null) return;
    e.preventDefault();
    this.select(next, true);
    this.tabs[next].focus();
  }
}
