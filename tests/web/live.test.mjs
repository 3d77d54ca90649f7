// The viewer's live connection (public/js/live.js) against a fake socket
// and a fake clock: dedupe, gap filling, reset, reconnect with backoff and
// resume from the last applied seq.
import test from 'node:test';
import assert from 'node:assert/strict';
import { LiveClient, backoffDelay } from '../../public/js/live.js';

class FakeClock {
  constructor() {
    this.t = 1_000_000;
    this.timers = new Map();
    this.next = 1;
  }
  setTimeout(f, ms) {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, f });
    return id;
  }
  clearTimeout(id) {
    this.timers.delete(id);
  }
  now() {
    return this.t;
  }
  advance(ms) {
    const end = this.t + ms;
    for (;;) {
      let best = null;
      for (const [id, tm] of this.timers) if (tm.at <= end && (!best || tm.at < best[1].at)) best = [id, tm];
      if (!best) break;
      this.timers.delete(best[0]);
      this.t = best[1].at;
      best[1].f();
    }
    this.t = end;
  }
}

function harness(opts = {}) {
  const sockets = [];
  class FakeWS {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      sockets.push(this);
    }
    send(s) {
      this.sent.push(JSON.parse(s));
    }
    close() {
      this.readyState = 3;
    }
    // test side
    open() {
      this.readyState = 1;
      this.onopen && this.onopen({});
    }
    frame(f) {
      this.onmessage && this.onmessage({ data: JSON.stringify(f) });
    }
    die(reason = '') {
      this.readyState = 3;
      this.onclose && this.onclose({ code: 1006, reason });
    }
  }
  const clock = new FakeClock();
  const seen = { events: [], snapshots: [], resets: [], states: [], lobby: [] };
  const client = new LiveClient({
    url: 'ws://x/ws',
    WebSocket: FakeWS,
    timers: clock,
    random: () => 0.5,
    handlers: {
      event: (id, f) => seen.events.push([id, f.seq]),
      snapshot: (id, s) => seen.snapshots.push([id, s && s.seq]),
      reset: (id) => seen.resets.push(id),
      state: (s) => seen.states.push(s),
      lobby: (l) => seen.lobby.push(Object.keys(l).length),
      lobbyUpdate: (e) => seen.lobby.push(e.id),
    },
    ...opts,
  });
  return { client, sockets, clock, seen };
}

const snap = (seq, runs = 0) => ({ id: 'm', seq, runs, commentary: [] });
const ev = (seq, runs) => ({
  type: 'event', match: 'm', seq, ts: seq,
  event: { type: 'delivery' },
  patch: [{ op: 'replace', path: '/runs', value: runs }, { op: 'add', path: '/commentary/-', value: { seq } }, { op: 'replace', path: '/seq', value: seq }],
});

function connected() {
  const h = harness();
  h.client.start();
  h.client.watchLobby();
  h.client.subscribe('m');
  const ws = h.sockets[0];
  ws.open();
  ws.frame({ type: 'hello', heartbeat_ms: 10000 });
  return { ...h, ws };
}

test('subscribes on open and applies events in order', () => {
  const { client, ws, seen } = connected();
  assert.deepEqual(ws.sent, [{ op: 'lobby' }, { op: 'subscribe', match: 'm' }]);
  assert.equal(client.state, 'connected');
  ws.frame({ type: 'snapshot', match: 'm', seq: 2, data: snap(2, 5) });
  ws.frame(ev(3, 6));
  ws.frame(ev(4, 10));
  assert.equal(client.lastSeq.m, 4);
  assert.equal(client.snapshots.m.runs, 10);
  assert.deepEqual(client.snapshots.m.commentary.map((c) => c.seq), [3, 4]);
  assert.deepEqual(seen.events.map((e) => e[1]), [3, 4]);
});

test('duplicates are ignored', () => {
  const { client, ws, seen } = connected();
  ws.frame({ type: 'snapshot', match: 'm', seq: 2, data: snap(2) });
  ws.frame(ev(3, 1));
  ws.frame(ev(3, 99));
  ws.frame(ev(2, 99));
  assert.equal(client.snapshots.m.runs, 1);
  assert.equal(client.stats.duplicates, 2);
  assert.deepEqual(seen.events.map((e) => e[1]), [3]);
});

test('a gap is buffered, refilled by resubscribing from the last seq, and applied in order', () => {
  const { client, ws } = connected();
  ws.frame({ type: 'snapshot', match: 'm', seq: 2, data: snap(2) });
  ws.sent.length = 0;
  ws.frame(ev(5, 50));
  assert.equal(client.lastSeq.m, 2, 'nothing applied past the gap');
  assert.deepEqual(ws.sent, [{ op: 'subscribe', match: 'm', since: 2 }]);
  ws.frame(ev(3, 30));
  ws.frame(ev(4, 40));
  assert.equal(client.lastSeq.m, 5);
  assert.equal(client.snapshots.m.runs, 50);
  assert.deepEqual(client.snapshots.m.commentary.map((c) => c.seq), [3, 4, 5]);
  // The replayed 5 is a duplicate now.
  ws.frame(ev(5, 77));
  assert.equal(client.snapshots.m.runs, 50);
});

test('a gap that is never filled ends in a fresh snapshot', () => {
  const { client, ws, clock, seen } = connected();
  ws.frame({ type: 'snapshot', match: 'm', seq: 2, data: snap(2) });
  ws.sent.length = 0;
  ws.frame(ev(9, 90));
  clock.advance(2600);
  clock.advance(2600);
  clock.advance(2600);
  assert.deepEqual(ws.sent.at(-1), { op: 'subscribe', match: 'm' });
  assert.equal(client.snapshots.m, undefined);
  assert.deepEqual(seen.resets, ['m']);
  ws.frame({ type: 'snapshot', match: 'm', seq: 9, data: snap(9, 90) });
  ws.frame(ev(10, 91));
  assert.equal(client.lastSeq.m, 10);
  assert.equal(client.snapshots.m.runs, 91);
});

test('reset drops local state and the next snapshot replaces it', () => {
  const { client, ws, seen } = connected();
  ws.frame({ type: 'snapshot', match: 'm', seq: 7, data: snap(7, 70) });
  ws.frame({ type: 'reset', match: 'm', reason: 'match restarted' });
  assert.equal(client.snapshots.m, undefined);
  assert.equal(client.lastSeq.m, undefined);
  // An event racing ahead of the new snapshot waits for it.
  ws.frame(ev(2, 2));
  ws.frame({ type: 'snapshot', match: 'm', seq: 1, data: snap(1, 1) });
  assert.equal(client.lastSeq.m, 2);
  assert.equal(client.snapshots.m.runs, 2);
  assert.deepEqual(seen.resets, ['m']);
});

test('a patch that does not apply triggers a resync instead of corrupt state', () => {
  const { client, ws } = connected();
  ws.frame({ type: 'snapshot', match: 'm', seq: 1, data: snap(1) });
  ws.sent.length = 0;
  ws.frame({ type: 'event', match: 'm', seq: 2, patch: [{ op: 'replace', path: '/innings/4/runs', value: 1 }] });
  assert.equal(client.snapshots.m, undefined);
  assert.deepEqual(ws.sent, [{ op: 'subscribe', match: 'm' }]);
  assert.equal(client.stats.patchErrors, 1);
});

test('a parked frame advances the seq with its patch', () => {
  const { client, ws } = connected();
  ws.frame({ type: 'snapshot', match: 'm', seq: 1, data: snap(1) });
  ws.frame({ type: 'event', match: 'm', seq: 2, parked: 'rule', patch: [{ op: 'replace', path: '/seq', value: 2 }] });
  ws.frame(ev(3, 3));
  assert.equal(client.lastSeq.m, 3);
  assert.equal(client.snapshots.m.seq, 3);
});

test('a null snapshot then an event asks for a real snapshot', () => {
  const { client, ws } = connected();
  ws.frame({ type: 'snapshot', match: 'm', seq: 0, data: null });
  assert.equal(client.snapshots.m, null);
  ws.sent.length = 0;
  ws.frame(ev(1, 1));
  assert.deepEqual(ws.sent, [{ op: 'subscribe', match: 'm' }]);
});

test('a null snapshot then the first event of the match (a whole-document patch) needs no second snapshot', () => {
  const { client, ws, seen } = connected();
  ws.frame({ type: 'snapshot', match: 'm', seq: 0, data: null });
  ws.sent.length = 0;
  ws.frame({ type: 'event', match: 'm', seq: 1, ts: 1, event: { type: 'match_start' }, patch: [{ op: 'replace', path: '', value: snap(1, 0) }] });
  ws.frame(ev(2, 4));
  assert.deepEqual(ws.sent, [], 'no resubscribe');
  assert.equal(client.lastSeq.m, 2);
  assert.equal(client.snapshots.m.runs, 4);
  assert.equal(client.stats.resyncs, 0);
  assert.deepEqual(seen.events.map((e) => e[1]), [1, 2]);
});

test('reconnects with growing backoff and resumes from the last seq', () => {
  const { client, ws, sockets, clock, seen } = connected();
  ws.frame({ type: 'snapshot', match: 'm', seq: 3, data: snap(3) });
  ws.die('gateway restarted');
  assert.equal(client.state, 'reconnecting');
  const d0 = client.retryAt - clock.now();
  assert.equal(d0, backoffDelay(0, { random: () => 0.5 }));
  clock.advance(d0);
  assert.equal(sockets.length, 2);
  sockets[1].die();
  const d1 = client.retryAt - clock.now();
  assert.ok(d1 > d0, `backoff grows: ${d0} then ${d1}`);
  clock.advance(d1);
  const ws3 = sockets[2];
  ws3.open();
  assert.deepEqual(ws3.sent, [{ op: 'lobby' }, { op: 'subscribe', match: 'm', since: 3 }]);
  ws3.frame({ type: 'hello', heartbeat_ms: 10000 });
  assert.equal(client.state, 'connected');
  ws3.frame(ev(4, 4));
  assert.equal(client.lastSeq.m, 4);
  assert.ok(seen.states.includes('reconnecting'));
});

test('silence longer than the heartbeat drops the socket', () => {
  const { client, clock, sockets } = connected();
  clock.advance(24000);
  assert.equal(sockets.length, 1);
  clock.advance(2000);
  assert.equal(client.state, 'reconnecting');
  clock.advance(client.retryAt - clock.now());
  assert.equal(sockets.length, 2);
});

test('offline when the browser says so', () => {
  const h = harness({ isOnline: () => false });
  h.client.start();
  h.sockets[0].die();
  assert.equal(h.client.state, 'offline');
});

test('backoff is capped and jittered', () => {
  assert.equal(backoffDelay(0, { random: () => 0 }), 250);
  assert.equal(backoffDelay(0, { random: () => 1 }), 500);
  assert.equal(backoffDelay(30, { random: () => 1 }), 30000);
  assert.ok(backoffDelay(30, { random: () => 0 }) >= 15000);
});

test('lobby frame then updates', () => {
  const { client, ws, seen } = connected();
  ws.frame({ type: 'lobby', matches: [{ id: 'a', status: 'live' }, { id: 'b', status: 'scheduled' }] });
  ws.frame({ type: 'lobby_update', match: { id: 'b', status: 'live', seq: 1 } });
  assert.equal(client.lobby.b.status, 'live');
  assert.deepEqual(seen.lobby, [2, 'b']);
});

test('events of matches not subscribed are ignored; unsubscribe forgets', () => {
  const { client, ws } = connected();
  ws.frame({ type: 'snapshot', match: 'other', seq: 1, data: snap(1) });
  assert.equal(client.snapshots.other, undefined);
  ws.frame({ type: 'snapshot', match: 'm', seq: 1, data: snap(1) });
  client.unsubscribe('m');
  assert.deepEqual(ws.sent.at(-1), { op: 'unsubscribe', match: 'm' });
  assert.equal(client.snapshots.m, undefined);
  ws.frame(ev(2, 2));
  assert.equal(client.lastSeq.m, undefined);
});

test('a REST snapshot seeds the page until the socket has one', () => {
  const { client, ws } = connected();
  assert.equal(client.seed('m', snap(5, 5)), true);
  assert.equal(client.lastSeq.m, 5);
  ws.frame(ev(6, 6));
  assert.equal(client.snapshots.m.runs, 6);
  assert.equal(client.seed('m', snap(9, 9)), false, 'never replaces a live document');
});

test('a subscribe refused for load is retried after a pause', () => {
  const { client, ws, clock } = connected();
  ws.sent.length = 0;
  ws.frame({ type: 'error', code: 'rate_limited', message: 'slow down', match: 'm' });
  assert.deepEqual(ws.sent, []);
  clock.advance(3100);
  assert.deepEqual(ws.sent, [{ op: 'subscribe', match: 'm' }]);
  ws.frame({ type: 'error', code: 'server_busy', message: 'store down' });
  clock.advance(3100);
  assert.deepEqual(ws.sent.at(-1), { op: 'lobby' });
  ws.frame({ type: 'lobby', matches: [] });
  ws.frame({ type: 'error', code: 'bad_request', message: 'x', match: 'm' });
  const n = ws.sent.length;
  clock.advance(5000);
  assert.equal(ws.sent.length, n, 'other errors are not retried');
  assert.equal(client.lobbyPending, false);
});

test('a patch leaving the wrong /seq means our document is wrong: resync', () => {
  const { client, ws } = connected();
  ws.frame({ type: 'snapshot', match: 'm', seq: 1, data: snap(1) });
  ws.sent.length = 0;
  ws.frame({ type: 'event', match: 'm', seq: 2, patch: [{ op: 'replace', path: '/seq', value: 7 }] });
  assert.equal(client.snapshots.m, undefined);
  assert.deepEqual(ws.sent, [{ op: 'subscribe', match: 'm' }]);
});
