// The live connection: one WebSocket to /ws for the lobby and the matches
// being watched. Keeps each match's snapshot in memory, applies the event
// patches strictly in sequence order, fills gaps, and reconnects with
// exponential backoff + jitter, resuming every subscription from its last
// applied seq (so a viewer sees every event once, in order).
//
// No DOM here: the WebSocket constructor, fetch and timers are injected,
// so this runs under node's test runner with fakes.

import { applyPatch, touched as touchedBy } from './patch.js';

/** Delay before reconnect attempt `attempt` (0-based): "equal jitter". */
export function backoffDelay(attempt, { base = 500, max = 30000, random = Math.random } = {}) {
  const cap = Math.min(max, base * 2 ** Math.min(attempt, 20));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

const OPEN = 1;

/** Connection states shown to the viewer. */
export const STATES = ['connecting', 'connected', 'reconnecting', 'offline'];

export class LiveClient {
  /**
   * @param {object} o
   * @param {string} o.url               ws:// or wss:// URL of /ws
   * @param {Function} o.WebSocket       WebSocket constructor
   * @param {Function} [o.fetch]         fetch, for REST gap filling
   * @param {string} [o.apiBase]         base URL of /api (default: same origin)
   * @param {object} [o.timers]          {setTimeout, clearTimeout, now}
   * @param {Function} [o.random]        Math.random stand-in
   * @param {Function} [o.isOnline]      () => navigator.onLine
   * @param {object} [o.handlers]        callbacks, see `emit`
   */
  constructor(o) {
    this.url = o.url;
    this.WS = o.WebSocket;
    this.fetch = o.fetch || null;
    this.apiBase = o.apiBase || '';
    this.timers = o.timers || {
      setTimeout: (f, ms) => setTimeout(f, ms),
      clearTimeout: (t) => clearTimeout(t),
      now: () => Date.now(),
    };
    this.random = o.random || Math.random;
    this.isOnline = o.isOnline || (() => true);
    this.handlers = o.handlers || {};
    /** match id → snapshot (null: the match has no state yet). */
    this.snapshots = {};
    /** match id → last applied seq. */
    this.lastSeq = {};
    /** match id → lobby entry. */
    this.lobby = {};
    this.lobbyLoaded = false;
    this.lobbyPending = false;
    this.subs = new Set();
    this.wantLobby = false;
    this.pending = new Map(); // id → Map(seq → frame), frames that arrived early
    this.filling = new Map(); // id → {timer, tries}
    this.ws = null;
    this.state = 'idle';
    this.attempt = 0;
    this.retryAt = 0;
    this.retryTimer = null;
    this.watchdog = null;
    this.heartbeatMs = 15000;
    this.lastFrameAt = 0;
    this.stopped = true;
    this.stats = { frames: 0, events: 0, duplicates: 0, gaps: 0, resyncs: 0, patchErrors: 0, reconnects: 0 };
  }

  emit(name, ...args) {
    const h = this.handlers[name];
    if (typeof h === 'function') {
      try {
        h(...args);
      } catch (e) {
        // A rendering bug must never break the stream.
        if (typeof console !== 'undefined') console.error(`livematch: ${name} handler failed`, e);
      }
    }
  }

  setState(state, info = {}) {
    this.state = state;
    this.emit('state', state, { retryAt: this.retryAt, attempt: this.attempt, ...info });
  }

  /** Open the connection (idempotent). */
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Close for good. */
  stop() {
    this.stopped = true;
    this.timers.clearTimeout(this.retryTimer);
    this.timers.clearTimeout(this.watchdog);
    for (const f of this.filling.values()) this.timers.clearTimeout(f.timer);
    this.filling.clear();
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      try {
        ws.close(1000, 'bye');
      } catch {
        /* already closed */
      }
    }
    this.setState('idle');
  }

  connect() {
    if (this.stopped) return;
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting', { retryAt: 0 });
    let ws;
    try {
      ws = new this.WS(this.url);
    } catch (e) {
      this.scheduleReconnect(String(e));
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.lastFrameAt = this.timers.now();
      this.armWatchdog();
      this.resubscribeAll();
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.lastFrameAt = this.timers.now();
      this.armWatchdog();
      let frame;
      try {
        frame = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data));
      } catch {
        this.emit('protocolError', 'frame is not JSON');
        return;
      }
      this.handleFrame(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.timers.clearTimeout(this.watchdog);
      this.scheduleReconnect(ev && ev.reason ? ev.reason : 'connection closed');
    };
    ws.onerror = () => {
      // onclose follows and does the work.
    };
  }

  scheduleReconnect(reason) {
    if (this.stopped) return;
    this.stats.reconnects += 1;
    for (const f of this.filling.values()) this.timers.clearTimeout(f.timer);
    this.filling.clear();
    const delay = backoffDelay(this.attempt, { random: this.random });
    this.attempt += 1;
    this.retryAt = this.timers.now() + delay;
    this.setState(this.isOnline() ? 'reconnecting' : 'offline', { reason, retryAt: this.retryAt });
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = this.timers.setTimeout(() => this.connect(), delay);
  }

  /** Reconnect now (e.g. the browser came back online). */
  retryNow() {
    if (this.stopped) return;
    if (this.ws && this.ws.readyState === OPEN) return;
    if (this.ws) return; // a connection attempt is in flight
    this.connect();
  }

  /** Drop the connection (e.g. the browser went offline) and retry later. */
  drop(reason = 'dropped') {
    if (!this.ws) return;
    const ws = this.ws;
    this.ws = null;
    this.timers.clearTimeout(this.watchdog);
    try {
      ws.close(4000, reason);
    } catch {
      /* ignore */
    }
    this.scheduleReconnect(reason);
  }

  armWatchdog() {
    this.timers.clearTimeout(this.watchdog);
    // No frame (heartbeats included) for ~2.5 heartbeats: the link is dead
    // even if the socket does not know yet.
    const limit = Math.max(5000, Math.round(this.heartbeatMs * 2.5));
    this.watchdog = this.timers.setTimeout(() => this.drop('no heartbeat'), limit);
  }

  send(msg) {
    if (this.ws && this.ws.readyState === OPEN) {
      this.ws.send(JSON.stringify(msg));
      return true;
    }
    return false;
  }

  subscribeMsg(id) {
    const msg = { op: 'subscribe', match: id };
    if (this.snapshots[id] != null && typeof this.lastSeq[id] === 'number') msg.since = this.lastSeq[id];
    return msg;
  }

  resubscribeAll() {
    if (this.wantLobby) this.requestLobby();
    for (const id of this.subs) this.send(this.subscribeMsg(id));
  }

  /** Follow the lobby (all matches). */
  watchLobby() {
    this.wantLobby = true;
    this.requestLobby();
  }

  requestLobby() {
    this.lobbyPending = true;
    this.send({ op: 'lobby' });
  }

  /** Follow one match. */
  subscribe(id) {
    if (this.subs.has(id)) return;
    this.subs.add(id);
    this.send(this.subscribeMsg(id));
  }

  /** Stop following one match and forget its state. */
  unsubscribe(id) {
    if (!this.subs.delete(id)) return;
    this.send({ op: 'unsubscribe', match: id });
    this.forget(id);
  }

  forget(id) {
    delete this.snapshots[id];
    delete this.lastSeq[id];
    this.pending.delete(id);
    const f = this.filling.get(id);
    if (f) this.timers.clearTimeout(f.timer);
    this.filling.delete(id);
  }

  /**
   * Install a snapshot fetched over REST, unless the socket already gave
   * one (the socket's stream is authoritative).
   */
  seed(id, snapshot) {
    if (!this.subs.has(id) || this.snapshots[id] != null || !snapshot || typeof snapshot !== 'object') return false;
    const seq = Number(snapshot.seq) || 0;
    if (typeof this.lastSeq[id] === 'number' && this.lastSeq[id] > seq) return false;
    this.snapshots[id] = snapshot;
    this.lastSeq[id] = seq;
    this.emit('snapshot', id, snapshot);
    this.drain(id);
    return true;
  }

  handleFrame(f) {
    if (!f || typeof f !== 'object') return;
    this.stats.frames += 1;
    switch (f.type) {
      case 'hello':
        if (Number(f.heartbeat_ms) > 0) this.heartbeatMs = Number(f.heartbeat_ms);
        this.attempt = 0;
        this.retryAt = 0;
        this.armWatchdog();
        this.setState('connected', { hello: f });
        break;
      case 'snapshot':
        this.onSnapshot(f);
        break;
      case 'event':
        this.onEvent(f);
        break;
      case 'reset':
        if (!this.subs.has(f.match)) break;
        this.forget(f.match);
        this.emit('reset', f.match, f.reason || '');
        break;
      case 'lobby':
        this.lobby = {};
        for (const e of Array.isArray(f.matches) ? f.matches : []) if (e && e.id != null) this.lobby[e.id] = e;
        this.lobbyLoaded = true;
        this.lobbyPending = false;
        this.emit('lobby', this.lobby);
        break;
      case 'lobby_update': {
        const e = f.match;
        if (e && typeof e === 'object' && e.id != null) {
          // One connection delivers updates in order; a reconnect starts
          // over with a full lobby frame.
          this.lobby[e.id] = e;
          this.emit('lobbyUpdate', e);
        } else if (typeof e === 'string' && f.removed) {
          delete this.lobby[e];
          this.emit('lobby', this.lobby);
        }
        break;
      }
      case 'heartbeat':
        this.emit('heartbeat', f.ts);
        break;
      case 'pong':
        this.emit('pong', f);
        break;
      case 'error':
        this.onError(f);
        break;
      default:
        break;
    }
  }

  /**
   * A refused request: subscribe and lobby requests refused for load
   * (rate_limited, server_busy) are retried after a pause with jitter.
   */
  onError(f) {
    const retryable = f.code === 'rate_limited' || f.code === 'server_busy';
    if (retryable) {
      const delay = 1000 + Math.round(this.random() * 2000);
      if (f.match != null && this.subs.has(f.match)) {
        this.timers.setTimeout(() => {
          if (this.subs.has(f.match) && !(f.match in this.lastSeq)) this.send(this.subscribeMsg(f.match));
        }, delay);
      } else if (f.match == null && this.wantLobby && this.lobbyPending) {
        this.timers.setTimeout(() => {
          if (this.lobbyPending) this.send({ op: 'lobby' });
        }, delay);
      }
    }
    this.emit('serverError', f);
  }

  onSnapshot(f) {
    const id = f.match;
    if (!this.subs.has(id)) return;
    const seq = Number(f.seq) || 0;
    const data = f.data && typeof f.data === 'object' ? f.data : null;
    this.snapshots[id] = data;
    this.lastSeq[id] = data ? Number(data.seq ?? seq) || seq : seq;
    const fill = this.filling.get(id);
    if (fill) {
      this.timers.clearTimeout(fill.timer);
      this.filling.delete(id);
    }
    this.emit('snapshot', id, data);
    this.drain(id);
  }

  onEvent(f) {
    const id = f.match;
    if (!this.subs.has(id)) return;
    const seq = Number(f.seq);
    if (!Number.isFinite(seq)) return;
    this.stats.events += 1;
    if (!(id in this.lastSeq)) {
      // No snapshot yet (it is on its way): keep the frame for later.
      this.buffer(id, f);
      return;
    }
    const last = this.lastSeq[id];
    if (seq <= last) {
      this.stats.duplicates += 1;
      return;
    }
    if (seq > last + 1) {
      this.stats.gaps += 1;
      this.buffer(id, f);
      this.fillGap(id);
      return;
    }
    this.applyEvent(id, f);
    this.drain(id);
  }

  buffer(id, f) {
    let p = this.pending.get(id);
    if (!p) {
      p = new Map();
      this.pending.set(id, p);
    }
    if (p.size < 5000) p.set(Number(f.seq), f);
  }

  /** Apply buffered frames that now follow on. */
  drain(id) {
    const p = this.pending.get(id);
    if (!p) return;
    for (const s of [...p.keys()]) if (s <= (this.lastSeq[id] ?? -1)) p.delete(s);
    while (id in this.lastSeq && p.has(this.lastSeq[id] + 1)) {
      const f = p.get(this.lastSeq[id] + 1);
      p.delete(this.lastSeq[id] + 1);
      this.applyEvent(id, f);
    }
    if (p.size === 0) {
      this.pending.delete(id);
      const fill = this.filling.get(id);
      if (fill) {
        this.timers.clearTimeout(fill.timer);
        this.filling.delete(id);
      }
    } else if (id in this.lastSeq) {
      this.fillGap(id);
    }
  }

  applyEvent(id, f) {
    const seq = Number(f.seq);
    const snap = this.snapshots[id];
    const ops = Array.isArray(f.patch) ? f.patch : [];
    // A match's first event replaces the whole document (its patch starts
    // at the root), so a viewer who opened the match before it started
    // needs no second snapshot. Any other event needs a document to patch.
    const wholeDocument = ops.length > 0 && ops[0] && ops[0].path === '' && ops[0].op !== 'remove';
    if (snap == null && !wholeDocument) {
      // Events for a match we have no document for: ask for a snapshot.
      this.lastSeq[id] = seq;
      this.resync(id, 'event before any snapshot');
      return;
    }
    try {
      const next = applyPatch(snap, ops);
      // Every patch moves /seq: a mismatch means our document is not the server's.
      if (next && typeof next === 'object' && typeof next.seq === 'number' && next.seq !== seq) {
        throw new Error(`snapshot seq ${next.seq} after applying event ${seq}`);
      }
      this.snapshots[id] = next;
    } catch (e) {
      this.stats.patchErrors += 1;
      this.emit('protocolError', `patch of ${id} seq ${seq} does not apply: ${e.message}`);
      this.resync(id, 'patch failed');
      return;
    }
    this.lastSeq[id] = seq;
    this.emit('event', id, f, touchedBy(ops));
  }

  /**
   * Ask for the missing frames: resubscribe from the last applied seq (the
   * gateway replays the log from there). If the gap is still open after a
   * few seconds, or after a few tries, start over with a fresh snapshot.
   */
  fillGap(id) {
    if (this.filling.has(id) || !(id in this.lastSeq)) return;
    this.requestFrom(id);
    this.armFill(id, 0);
  }

  armFill(id, tries) {
    const timer = this.timers.setTimeout(() => {
      const p = this.pending.get(id);
      if (!p || p.size === 0) {
        this.filling.delete(id);
        return;
      }
      if (tries >= 2) {
        this.filling.delete(id);
        this.resync(id, 'gap not filled');
        return;
      }
      this.requestFrom(id);
      this.armFill(id, tries + 1);
    }, 2500);
    this.filling.set(id, { timer, tries });
  }

  requestFrom(id) {
    const since = this.lastSeq[id];
    if (this.snapshots[id] != null && typeof since === 'number') {
      this.send({ op: 'subscribe', match: id, since });
    } else {
      this.send({ op: 'subscribe', match: id });
    }
  }

  /** Drop local state for a match and take a fresh snapshot. */
  resync(id, reason) {
    this.stats.resyncs += 1;
    this.forget(id);
    this.emit('reset', id, reason);
    this.send({ op: 'subscribe', match: id });
  }
}
