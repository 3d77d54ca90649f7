// livematch viewer: routing, the live connection, and render scheduling.
//
// Routes: `#/` (lobby), `#/match/{id}`; `/match/{id}` paths work too (the
// gateway serves index.html for them; the URL is rewritten to the hash form).
// The match page is the view of the snapshot's `sport` (js/sports.js); the
// lobby entry's sport picks it before the snapshot is there.
//
// Hooks for browser tests (read-only):
// * `window.__livematch = { snapshots, lastSeq, lobby, state, stats, route }`:
//   the current snapshot and last applied seq per subscribed match; the DOM
//   follows within one animation frame.
// * `performance.mark('livematch:first-render')` once real data is shown.
// * data-testid: conn (data-state: connecting | connected | reconnecting |
//   offline), lobby-row (data-match-id, data-status), lobby-summary,
//   lobby-result, match (data-match-id, data-state: loading | empty | ready),
//   score, team-score, match-status, equation, rates, result, toss, crease,
//   crease-batter, crease-bowler, last-wicket, this-over, recent,
//   innings-tabs, innings-tab (data-innings, data-super-over), innings
//   (panel), batting-table / batting-row (data-innings, data-name, data-out),
//   innings-total (data-innings), did-not-bat, fow, bowling-table /
//   bowling-row, partnerships / partnership-row, worm / worm-point /
//   worm-wicket, manhattan / manhattan-bar / manhattan-wicket (data-innings,
//   data-over, data-runs, data-wickets), commentary / commentary-item
//   (data-seq, data-kind), over-summary.
// * Other sports (js/football.js, basketball.js, tennis.js) add their own;
//   match carries data-sport, every page has match-status, score, result,
//   side-score (data-side) and clock where the sport has one.

import { LiveClient } from './live.js';
import { LobbyView } from './lobby.js';
import { sportOf, viewFor } from './sports.js';
import { h, setText, setAttr } from './dom.js';
import { docTitle } from './format.js';

const $ = (sel) => document.querySelector(sel);
const main = $('#main');
const connEl = $('#conn');
const connLabel = $('#conn-label');
const connSr = $('#conn-sr');
const connRetry = $('#conn-retry');
const announcer = $('#announcer');

// ---- theme ---------------------------------------------------------------

const THEME_KEY = 'livematch.theme';
const THEMES = ['auto', 'light', 'dark'];
const themeBtn = $('#theme');

function readTheme() {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return THEMES.includes(t) ? t : 'auto';
  } catch {
    return 'auto';
  }
}

function applyTheme(t) {
  if (t === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
  if (themeBtn) {
    setText(themeBtn.querySelector('.theme-label'), t === 'auto' ? 'Auto' : t === 'light' ? 'Light' : 'Dark');
    setAttr(themeBtn, 'aria-label', `Colour theme: ${t === 'auto' ? 'follow the system' : t}. Change theme`);
    setAttr(themeBtn, 'data-theme', t);
  }
}

if (themeBtn) {
  themeBtn.addEventListener('click', () => {
    const next = THEMES[(THEMES.indexOf(readTheme()) + 1) % THEMES.length];
    try {
      localStorage.setItem(THEME_KEY, next);
    } catch {
      /* private mode: not persisted */
    }
    applyTheme(next);
  });
}
applyTheme(readTheme());

// ---- announcements (screen readers) ---------------------------------------

let announceTimer = null;
function announce(text) {
  if (!announcer) return;
  // Clear first so the same text is announced again.
  announcer.textContent = '';
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

// ---- live connection -------------------------------------------------------

const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;

const lobbyView = new LobbyView();
let matchView = null;
let currentId = null;
let currentSport = null;

/** A match page for `id` of `sport`. */
function makeView(id, sport) {
  const View = viewFor(sport);
  currentSport = sport;
  return new View(id, { announce });
}

/** The snapshot is of another sport than the page shows: swap in the right page. */
function ensureView(snap) {
  if (!snap || !matchView || sportOf(snap) === currentSport) return;
  const hadFocus = matchView.el.contains(document.activeElement);
  matchView.destroy();
  matchView = makeView(currentId, sportOf(snap));
  main.replaceChildren(matchView.el);
  if (hadFocus) matchView.h1.focus({ preventScroll: true });
}

const client = new LiveClient({
  url: wsUrl,
  WebSocket: window.WebSocket,
  fetch: window.fetch.bind(window),
  isOnline: () => navigator.onLine !== false,
  handlers: {
    state: (state, info) => showConn(state, info),
    lobby: (entries) => {
      lobbyView.setAll(entries);
      if (!currentId) markFirstRender();
    },
    lobbyUpdate: (entry) => lobbyView.update(entry),
    snapshot: (id) => {
      if (id === currentId) schedule({ all: true });
    },
    event: (id, frame, touched) => {
      if (id === currentId) schedule({ ...touched, live: true });
    },
    reset: (id) => {
      if (id === currentId) schedule({ all: true });
    },
    serverError: (f) => {
      // Load errors are retried by the client; others mean this match cannot be shown.
      const retried = f && (f.code === 'rate_limited' || f.code === 'server_busy');
      if (currentId && f && f.match === currentId && !retried && matchView && !client.snapshots[currentId]) {
        matchView.renderEmpty(`This match cannot be shown: ${f.message || f.code}`);
        main.setAttribute('aria-busy', 'false');
      }
    },
  },
});

Object.defineProperty(window, '__livematch', {
  configurable: false,
  enumerable: false,
  value: Object.freeze({
    get snapshots() {
      return client.snapshots;
    },
    get lastSeq() {
      return client.lastSeq;
    },
    get lobby() {
      return client.lobby;
    },
    get state() {
      return client.state;
    },
    get stats() {
      return client.stats;
    },
    get route() {
      return currentId ? { view: 'match', id: currentId } : { view: 'lobby' };
    },
  }),
});

// ---- connection indicator ---------------------------------------------------

let connTick = null;
let lastConnState = '';

function showConn(state, info = {}) {
  clearInterval(connTick);
  connTick = null;
  setAttr(connEl, 'data-state', state);
  const spoken = { connecting: 'Connecting', connected: 'Live: connected', reconnecting: 'Connection lost, reconnecting', offline: 'Offline', idle: 'Not connected' }[state] || state;
  if (state !== lastConnState) {
    setText(connSr, spoken);
    lastConnState = state;
  }
  const label = () => {
    if (state === 'connected') return 'Live';
    if (state === 'connecting') return 'Connecting…';
    if (state === 'offline') return 'Offline';
    if (state === 'reconnecting') {
      const secs = Math.ceil(((info.retryAt || 0) - Date.now()) / 1000);
      return secs > 0 ? `Reconnecting in ${secs}s` : 'Reconnecting…';
    }
    return '';
  };
  setText(connLabel, label());
  if (state === 'reconnecting' || state === 'offline') {
    connTick = setInterval(() => {
      const secs = Math.ceil(((info.retryAt || 0) - Date.now()) / 1000);
      if (state === 'offline') setText(connLabel, secs > 0 ? `Offline · retry in ${secs}s` : 'Offline');
      else setText(connLabel, label());
    }, 1000);
  }
  if (connRetry) connRetry.hidden = !(state === 'reconnecting' || state === 'offline');
}

if (connRetry) connRetry.addEventListener('click', () => client.retryNow());
window.addEventListener('online', () => client.retryNow());
window.addEventListener('offline', () => client.drop('browser offline'));

// ---- rendering ----------------------------------------------------------------

let pending = null;
let scheduled = false;

function merge(a, b) {
  const current = Boolean(b.current || (b.top && b.top.has && b.top.has('current')));
  if (!a) return { all: Boolean(b.all), live: Boolean(b.live), inningsAdded: Boolean(b.inningsAdded), commentary: Boolean(b.commentary), current, innings: new Set(b.innings || []), top: new Set(b.top || []) };
  a.all = a.all || Boolean(b.all);
  for (const k of b.top || []) a.top.add(k);
  a.current = a.current || current;
  a.live = a.live || Boolean(b.live);
  a.inningsAdded = a.inningsAdded || Boolean(b.inningsAdded);
  a.commentary = a.commentary || Boolean(b.commentary);
  for (const i of b.innings || []) a.innings.add(i);
  return a;
}

function schedule(dirty) {
  pending = merge(pending, dirty);
  if (scheduled) return;
  scheduled = true;
  // Animation frames stop in background tabs; the tab title should still
  // follow the score there.
  if (document.hidden) setTimeout(flush, 250);
  else requestAnimationFrame(flush);
}

function flush() {
  scheduled = false;
  const dirty = pending;
  pending = null;
  if (!dirty || !matchView || !currentId) return;
  const snap = client.snapshots[currentId];
  try {
    if (snap && sportOf(snap) !== currentSport) {
      ensureView(snap);
      dirty.all = true;
    }
    matchView.render(snap, dirty);
  } catch (e) {
    console.error('livematch: render failed', e);
    matchView.renderEmpty('Something went wrong showing this match; retrying…');
  }
  document.title = matchView.docTitle ? matchView.docTitle(snap) : docTitle(snap);
  main.setAttribute('aria-busy', 'false');
  if (snap) markFirstRender();
}

/** `performance.mark('livematch:first-render')` once real data is on screen (for tests). */
let firstRenderMarked = false;
function markFirstRender() {
  if (firstRenderMarked) return;
  firstRenderMarked = true;
  try {
    performance.mark('livematch:first-render');
  } catch {
    /* no User Timing */
  }
}

// ---- routing -----------------------------------------------------------------

function parseRoute() {
  const hash = location.hash || '';
  let m = /^#\/match\/(.+)$/.exec(hash);
  if (m) return { view: 'match', id: safeDecode(m[1]) };
  if (hash.startsWith('#/')) return { view: 'lobby' };
  m = /^\/match\/([^/]+)\/?$/.exec(location.pathname);
  if (m) return { view: 'match', id: safeDecode(m[1]) };
  return { view: 'lobby' };
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const lobbyNav = $('#nav-lobby');

function route(userNav) {
  const r = parseRoute();
  if (r.view === 'match') {
    if (currentId === r.id && matchView) return;
    if (currentId && currentId !== r.id) client.unsubscribe(currentId);
    if (matchView) matchView.destroy();
    currentId = r.id;
    const known = client.snapshots[r.id] || client.lobby[r.id];
    matchView = makeView(r.id, sportOf(known));
    main.replaceChildren(matchView.el);
    main.setAttribute('aria-busy', 'true');
    setAttr(lobbyNav, 'aria-current', null);
    document.title = `${r.id} · livematch`;
    client.subscribe(r.id);
    if (client.snapshots[r.id] !== undefined) schedule({ all: true });
    else {
      setText(matchView.h1, 'Loading match…');
      // While the socket is still connecting, REST paints the page sooner.
      if (client.state !== 'connected') fetchSnapshot(r.id);
    }
    if (userNav) {
      window.scrollTo(0, 0);
      matchView.h1.focus({ preventScroll: true });
    }
  } else {
    if (currentId) client.unsubscribe(currentId);
    if (matchView) matchView.destroy();
    currentId = null;
    currentSport = null;
    matchView = null;
    main.replaceChildren(lobbyView.el);
    main.setAttribute('aria-busy', 'false');
    setAttr(lobbyNav, 'aria-current', 'page');
    document.title = 'Live scores · livematch';
    lobbyView.tick();
    if (userNav) lobbyView.heading.focus({ preventScroll: true });
  }
}

/** The REST snapshot paints the page even before the socket is up. */
async function fetchSnapshot(id) {
  try {
    const res = await fetch(`/api/matches/${encodeURIComponent(id)}`, { headers: { accept: 'application/json' } });
    if (res.status === 404) {
      if (currentId === id && !client.snapshots[id]) {
        matchView.renderEmpty('No such match (yet). This page will update when it starts.');
        main.setAttribute('aria-busy', 'false');
      }
      return;
    }
    if (!res.ok) return;
    const body = await res.json();
    const snap = body && typeof body === 'object' && body.data && typeof body.data === 'object' && !body.innings ? body.data : body;
    if (currentId === id && client.seed(id, snap)) schedule({ all: true });
  } catch {
    /* the socket will deliver it */
  }
}

async function fetchLobby() {
  try {
    const res = await fetch('/api/matches', { headers: { accept: 'application/json' } });
    if (!res.ok) return;
    const body = await res.json();
    const list = Array.isArray(body) ? body : body && Array.isArray(body.matches) ? body.matches : [];
    // The socket's lobby frame wins when it came first.
    if (!client.lobbyLoaded) {
      lobbyView.setAll(list);
      if (!currentId) markFirstRender();
    }
  } catch {
    /* the socket will deliver it */
  }
}

window.addEventListener('hashchange', () => route(true));
window.addEventListener('popstate', () => route(true));
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && pending && !scheduled) schedule({});
});
setInterval(() => {
  if (!currentId) lobbyView.tick();
}, 30000);

// A /match/{id} path (the gateway serves this page for it) becomes the
// equivalent hash route, so every in-app link is relative to "/".
{
  const m = /^\/match\/([^/]+)\/?$/.exec(location.pathname);
  if (m && !location.hash.startsWith('#/') && history.replaceState) {
    history.replaceState(null, '', `/#/match/${m[1]}`);
  }
}
route(false);
fetchLobby();
client.start();
client.watchLobby();

// Footer build marker: lets a viewer tell which page version is running.
const foot = $('#foot-note');
if (foot) foot.append(h('span', { class: 'muted', text: ' · updates arrive live, no reload needed' }));
