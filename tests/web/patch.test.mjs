// The viewer's JSON Patch applier (public/js/patch.js): RFC 6902 add /
// replace / remove with RFC 6901 pointers, as the engine emits them.
// Run: node --test tests/web/
import test from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, parsePointer, escapeToken, touched, PatchError } from '../../public/js/patch.js';

test('add, replace and remove follow RFC 6902', () => {
  const doc = { a: [1, 2], b: { c: 1 } };
  const out = applyPatch(doc, [
    { op: 'add', path: '/a/-', value: 3 },
    { op: 'add', path: '/a/0', value: 0 },
    { op: 'replace', path: '/b/c', value: 2 },
    { op: 'add', path: '/b/d', value: 'x' },
    { op: 'remove', path: '/a/1' },
  ]);
  assert.deepEqual(out, { a: [0, 2, 3], b: { c: 2, d: 'x' } });
});

test('pointer escapes: ~1 is / and ~0 is ~', () => {
  assert.deepEqual(parsePointer('/a~1b/m~0n/~01'), ['a/b', 'm~n', '~1']);
  assert.equal(escapeToken('a/b~c'), 'a~1b~0c');
  const out = applyPatch({ 'a/b': 1, 'm~n': 2 }, [
    { op: 'replace', path: '/a~1b', value: 3 },
    { op: 'replace', path: '/m~0n', value: 4 },
  ]);
  assert.deepEqual(out, { 'a/b': 3, 'm~n': 4 });
});

test('the empty pointer replaces the whole document', () => {
  assert.deepEqual(applyPatch({ a: 1 }, [{ op: 'replace', path: '', value: [1] }]), [1]);
  assert.throws(() => applyPatch({ a: 1 }, [{ op: 'remove', path: '' }]), PatchError);
});

test('missing paths, bad indices and bad pointers are errors', () => {
  const cases = [
    [{ a: [1] }, { op: 'replace', path: '/x', value: 1 }],
    [{ a: [1] }, { op: 'replace', path: '/a/1', value: 1 }],
    [{ a: [1] }, { op: 'add', path: '/a/2', value: 1 }],
    [{ a: [1] }, { op: 'add', path: 'a', value: 1 }],
    [{ a: [1] }, { op: 'replace', path: '/a/x', value: 1 }],
    [{ a: [1] }, { op: 'replace', path: '/a/01', value: 1 }],
    [{ a: [] }, { op: 'remove', path: '/a/0' }],
    [{ a: 1 }, { op: 'add', path: '/a/b', value: 1 }],
    [{ a: 1 }, { op: 'move', path: '/a', from: '/b' }],
    [{ a: 1 }, { op: 'add', path: '/b' }],
    [{ a: null }, { op: 'add', path: '/a/b', value: 1 }],
  ];
  for (const [doc, op] of cases) {
    assert.throws(() => applyPatch(structuredClone(doc), [op]), PatchError, JSON.stringify(op));
  }
});

test('a cricket-shaped delta: row replace, appends, header fields', () => {
  const snap = {
    seq: 4,
    status: 'live',
    innings: [{ runs: 10, wickets: 0, overs: '1.3', batting: [{ name: 'A', runs: 6 }, { name: 'B', runs: 4 }], overs_detail: [{ over: 1, runs: 8 }, { over: 2, runs: 2 }] }],
    current: { recent: ['1', '4'] },
    commentary: [{ seq: 4, text: 'x' }],
  };
  const out = applyPatch(snap, [
    { op: 'replace', path: '/innings/0/runs', value: 14 },
    { op: 'replace', path: '/innings/0/overs', value: '1.4' },
    { op: 'replace', path: '/innings/0/batting/0', value: { name: 'A', runs: 10 } },
    { op: 'replace', path: '/innings/0/overs_detail/1', value: { over: 2, runs: 6 } },
    { op: 'replace', path: '/current', value: { recent: ['1', '4', '4'] } },
    { op: 'add', path: '/commentary/-', value: { seq: 5, text: 'FOUR' } },
    { op: 'replace', path: '/seq', value: 5 },
  ]);
  assert.equal(out.innings[0].runs, 14);
  assert.equal(out.innings[0].batting[0].runs, 10);
  assert.equal(out.innings[0].batting[1].runs, 4);
  assert.equal(out.innings[0].overs_detail[1].runs, 6);
  assert.deepEqual(out.current.recent, ['1', '4', '4']);
  assert.deepEqual(out.commentary.map((c) => c.seq), [4, 5]);
  assert.equal(out.seq, 5);
});

test('touched() names the parts of the page a patch changes', () => {
  const t = touched([
    { op: 'replace', path: '/innings/1/runs', value: 1 },
    { op: 'add', path: '/innings/-', value: {} },
    { op: 'add', path: '/commentary/-', value: {} },
    { op: 'replace', path: '/status', value: 'completed' },
  ]);
  assert.deepEqual([...t.innings], [1]);
  assert.equal(t.inningsAdded, true);
  assert.equal(t.commentary, true);
  assert.ok(t.top.has('status'));
  assert.equal(t.all, false);
  assert.equal(touched([{ op: 'replace', path: '', value: {} }]).all, true);
  const quiet = touched([{ op: 'replace', path: '/seq', value: 2 }]);
  assert.equal(quiet.commentary, false);
  assert.equal(quiet.innings.size, 0);
});
