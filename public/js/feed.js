// An append-only log (commentary, timeline, play-by-play) shown as a list
// that grows in place: only the new entries are built, so a live update
// never re-renders (or re-flashes) what is already on screen. If the log
// stops being a continuation of what is shown (a fresh snapshot after a
// reset), the list is rebuilt.

import { obj } from './format.js';

/** What of `items` is new, given `count` shown entries whose last had seq `lastSeq`. */
export function newEntries(items, count, lastSeq) {
  const list = Array.isArray(items) ? items : [];
  const consistent = count <= list.length && (count === 0 || (obj(list[count - 1]) || {}).seq === lastSeq);
  return { reset: !consistent, from: consistent ? count : 0 };
}

export class Feed {
  /**
   * @param {HTMLElement} list         the <ol>/<ul>
   * @param {object} o
   * @param {(item: object, index: number) => (Node|Node[]|null)} o.build  nodes for one entry
   * @param {boolean} [o.newestFirst]  prepend (commentary) instead of append (timeline)
   */
  constructor(list, { build, newestFirst = false }) {
    this.list = list;
    this.build = build;
    this.newestFirst = newestFirst;
    this.count = 0;
    this.lastSeq = null;
  }

  /** Show `items`; returns the entries added (for announcements). */
  sync(items) {
    const list = Array.isArray(items) ? items : [];
    const { reset, from } = newEntries(list, this.count, this.lastSeq);
    if (reset) {
      this.list.replaceChildren();
      this.count = 0;
    }
    if (from >= list.length) {
      this.count = list.length;
      return [];
    }
    const nodes = [];
    const added = [];
    for (let k = from; k < list.length; k += 1) {
      const item = obj(list[k]);
      if (!item) continue;
      added.push(item);
      const built = this.build(item, k);
      if (built) nodes.push(...(Array.isArray(built) ? built : [built]));
    }
    this.count = list.length;
    this.lastSeq = (obj(list[list.length - 1]) || {}).seq;
    if (this.newestFirst) this.list.prepend(...nodes.reverse());
    else this.list.append(...nodes);
    return added;
  }
}
