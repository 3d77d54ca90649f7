// Tiny DOM helpers: build elements, and change text/attributes only when
// they differ (no needless layout, no flicker).

/**
 * h('td', {class: 'num', testid: 'x', data: {over: 3}, attrs: {scope: 'col'}}, 'text', child)
 */
export function h(tag, props, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  const p = props || {};
  for (const [k, v] of Object.entries(p)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'testid') el.setAttribute('data-testid', v);
    else if (k === 'data') for (const [dk, dv] of Object.entries(v)) el.setAttribute(`data-${dk}`, String(dv));
    else if (k === 'attrs') for (const [ak, av] of Object.entries(v)) { if (av != null && av !== false) el.setAttribute(ak, av === true ? '' : String(av)); }
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'hidden') el.hidden = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Set text content if it changed. */
export function setText(el, text) {
  if (!el) return;
  const s = text == null ? '' : String(text);
  if (el.textContent !== s) el.textContent = s;
}

/** Set (or with null, remove) an attribute if it changed. */
export function setAttr(el, name, value) {
  if (!el) return;
  if (value == null || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
    return;
  }
  const s = value === true ? '' : String(value);
  if (el.getAttribute(name) !== s) el.setAttribute(name, s);
}

/** Show or hide an element. */
export function show(el, visible) {
  if (el && el.hidden === Boolean(visible)) el.hidden = !visible;
}

/** Set innerHTML (trusted, escaped markup only) if it changed. */
export function setHtml(el, html) {
  if (el && el.__html !== html) {
    el.innerHTML = html;
    el.__html = html;
  }
}

/** Make the rows of `tbody` match `items`: reuse rows by position, add or drop at the end. */
export function syncRows(tbody, items, create, update) {
  const rows = tbody.rows;
  while (rows.length > items.length) tbody.deleteRow(rows.length - 1);
  items.forEach((item, i) => {
    let tr = rows[i];
    if (!tr) {
      tr = create(item, i);
      tbody.append(tr);
    }
    update(tr, item, i);
  });
}

/** Briefly highlight an element that changed (skipped for reduced motion by CSS). */
export function flash(el, cls = 'flash') {
  if (!el) return;
  el.classList.remove(cls);
  // Force a style flush so the animation restarts.
  void el.offsetWidth;
  el.classList.add(cls);
}
