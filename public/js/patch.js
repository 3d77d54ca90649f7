// JSON Patch (RFC 6902) subset used by the live deltas: add, replace,
// remove. Paths are JSON Pointers (RFC 6901): "~1" is "/", "~0" is "~",
// and "-" as the last array token appends.
//
// applyPatch mutates the document in place and returns it (a patch on the
// empty pointer "" replaces the whole document, so always use the return
// value). It is not atomic: on an error the ops before the failing one stay
// applied, so callers must treat the document as unusable and resync.

export class PatchError extends Error {
  constructor(message, path) {
    super(message);
    this.name = 'PatchError';
    this.path = path;
  }
}

/** Split a JSON Pointer into unescaped reference tokens. */
export function parsePointer(path) {
  if (typeof path !== 'string') throw new PatchError('patch path is not a string', String(path));
  if (path === '') return [];
  if (path[0] !== '/') throw new PatchError(`patch path ${JSON.stringify(path)} is not a JSON pointer`, path);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Escape one object key as a JSON Pointer token. */
export function escapeToken(key) {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

function arrayIndex(tok, len, path, allowEnd) {
  if (allowEnd && tok === '-') return len;
  if (!/^(0|[1-9][0-9]*)$/.test(tok)) throw new PatchError(`bad array index in ${JSON.stringify(path)}`, path);
  const i = Number(tok);
  const max = allowEnd ? len : len - 1;
  if (i > max) throw new PatchError(`array index out of range in ${JSON.stringify(path)}`, path);
  return i;
}

function parentOf(doc, toks, path) {
  let cur = doc;
  for (const t of toks) {
    if (Array.isArray(cur)) {
      cur = cur[arrayIndex(t, cur.length, path, false)];
    } else if (isObject(cur) && hasOwn(cur, t)) {
      cur = cur[t];
    } else {
      throw new PatchError(`patch path ${JSON.stringify(path)} does not exist`, path);
    }
  }
  if (!Array.isArray(cur) && !isObject(cur)) {
    throw new PatchError(`patch path ${JSON.stringify(path)} goes through a scalar`, path);
  }
  return cur;
}

/** Apply one op; returns the (possibly new) document. */
export function applyOp(doc, op) {
  if (!op || typeof op !== 'object') throw new PatchError('patch op is not an object', '');
  const path = op.path;
  const toks = parsePointer(path);
  const kind = op.op;
  if (kind !== 'add' && kind !== 'replace' && kind !== 'remove') {
    throw new PatchError(`unsupported patch op ${JSON.stringify(kind)}`, path);
  }
  if ((kind === 'add' || kind === 'replace') && !hasOwn(op, 'value')) {
    throw new PatchError(`${kind} without a value at ${JSON.stringify(path)}`, path);
  }
  if (toks.length === 0) {
    if (kind === 'remove') throw new PatchError('cannot remove the whole document', path);
    return op.value;
  }
  const last = toks[toks.length - 1];
  const parent = parentOf(doc, toks.slice(0, -1), path);
  if (Array.isArray(parent)) {
    if (kind === 'add') {
      parent.splice(arrayIndex(last, parent.length, path, true), 0, op.value);
    } else if (kind === 'replace') {
      parent[arrayIndex(last, parent.length, path, false)] = op.value;
    } else {
      parent.splice(arrayIndex(last, parent.length, path, false), 1);
    }
  } else if (kind === 'add') {
    parent[last] = op.value;
  } else {
    if (!hasOwn(parent, last)) throw new PatchError(`patch path ${JSON.stringify(path)} does not exist`, path);
    if (kind === 'replace') parent[last] = op.value;
    else delete parent[last];
  }
  return doc;
}

/** Apply ops in order; returns the (possibly new) document. */
export function applyPatch(doc, ops) {
  if (!Array.isArray(ops)) throw new PatchError('patch is not an array', '');
  let out = doc;
  for (const op of ops) out = applyOp(out, op);
  return out;
}

/**
 * What parts of a cricket snapshot a patch touches, for partial re-rendering:
 * `top` (set of top-level keys), `innings` (set of innings indices whose
 * contents changed), `inningsAdded` (an innings was appended), `commentary`
 * (entries appended or changed).
 */
export function touched(ops) {
  const t = { top: new Set(), innings: new Set(), inningsAdded: false, commentary: false, all: false };
  for (const op of ops || []) {
    let toks;
    try {
      toks = parsePointer(op && op.path);
    } catch {
      t.all = true;
      continue;
    }
    if (toks.length === 0) {
      t.all = true;
      continue;
    }
    t.top.add(toks[0]);
    if (toks[0] === 'innings') {
      if (toks.length === 1 || toks[1] === '-') t.inningsAdded = true;
      else t.innings.add(Number(toks[1]));
    } else if (toks[0] === 'commentary') {
      t.commentary = true;
    }
  }
  return t;
}
