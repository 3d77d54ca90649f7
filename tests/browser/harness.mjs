// Harness for the browser tests: starts the real `livematch` binary (demo,
// gateway) and `redis-server` on free ports, launches headless Debian
// chromium through playwright-core, and always cleans up.
//
// The binary is $LIVEMATCH_BIN, else $CARGO_TARGET_DIR/debug/livematch,
// else target/debug/livematch (build it with `cargo build --bin livematch`).
// Real matches come from ../shared/data/cricsheet/ (relative to the repo
// root), read in place. Screenshots go to tests/artifacts/ (not in git).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the tests write screenshots for people to look at. */
export const ARTIFACTS = path.join(ROOT, 'tests', 'artifacts');
/** Debian's chromium (apt package `chromium`), or $LIVEMATCH_CHROMIUM. */
export const CHROMIUM = process.env.LIVEMATCH_CHROMIUM || '/usr/bin/chromium';
/** Flags for a quiet, offline, sandbox-less headless chromium. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The `livematch` binary the tests run. */
export function livematchBin() {
  if (process.env.LIVEMATCH_BIN) return process.env.LIVEMATCH_BIN;
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target');
  return path.join(target, 'debug', 'livematch');
}

/** A real Cricsheet match file (read in place, never copied). */
export function cricsheet(file) {
  const p = path.join(ROOT, '..', 'shared', 'data', 'cricsheet', file);
  if (!existsSync(p)) throw new Error(`Cricsheet file ${p} not found (the tests read real matches from ../shared/data/cricsheet/)`);
  return p;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `fn` until it returns a truthy value (returned), or throw after
 * `timeout` ms with `message` and the last value / error seen.
 */
export async function waitFor(fn, { timeout = 10000, interval = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${detail})`);
    }
    await sleep(interval);
  }
}

// ---- child processes --------------------------------------------------------

const live = new Set();

// Whatever happens (a failed assertion, an exception, Ctrl-C), no child
// outlives the test process.
function killAllNow() {
  for (const p of live) {
    try {
      p.child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAllNow();
    process.exit(130);
  });
}

/** A child process with its recent output kept for error messages. */
export class Proc {
  constructor(name, cmd, args, opts = {}) {
    this.name = name;
    this.lines = [];
    this.child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        live.delete(this);
        resolve({ code, signal });
      });
      this.child.on('error', (e) => {
        live.delete(this);
        this.lines.push(`spawn failed: ${e.message}`);
        resolve({ code: null, signal: null, error: e });
      });
    });
    const keep = (chunk) => {
      for (const line of String(chunk).split('\n')) if (line) this.lines.push(line);
      if (this.lines.length > 400) this.lines.splice(0, this.lines.length - 400);
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    live.add(this);
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines of output, for failure messages. */
  log(n = 40) {
    return `--- ${this.name} (last ${n} lines) ---\n${this.lines.slice(-n).join('\n')}`;
  }

  /** SIGKILL (a crash) and wait for the exit. */
  async crash() {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  async stop(graceMs = 3000) {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.running && this.child.kill('SIGKILL'), graceMs);
    const r = await this.exited;
    clearTimeout(timer);
    return r;
  }
}

function requireBin() {
  const bin = livematchBin();
  if (!existsSync(bin)) {
    throw new Error(`livematch binary ${bin} not found: run \`cargo build --bin livematch\` (or set LIVEMATCH_BIN)`);
  }
  return bin;
}

/** GET a URL; resolves {status, body} (body parsed as JSON when it is JSON). */
export async function get(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const text = await res.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}

/** GET a JSON document that must answer 200. */
export async function getJson(url) {
  const { status, body } = await get(url);
  if (status !== 200) throw new Error(`GET ${url}: ${status} ${JSON.stringify(body)}`);
  return body;
}

async function waitHttpOk(proc, url, timeout = 20000) {
  await waitFor(
    async () => {
      if (!proc.running) throw new Error(`${proc.name} exited early\n${proc.log()}`);
      return (await get(url)).status === 200;
    },
    { timeout, interval: 50, message: `${url} to answer 200` },
  ).catch((e) => {
    throw new Error(`${e.message}\n${proc.log()}`);
  });
}

/**
 * `livematch demo` on a free port: `replay` Cricsheet paths, `simulate`
 * simulated matches from `seed` (null: one per sport), of `sports` in turn
 * (null: the demo's default, cricket first), at `speed` × real time;
 * `redis` to use a real Redis instead of the in-memory store. Resolves once
 * the API answers.
 */
export async function startDemo({ replay = [], simulate = 1, speed = 30, seed = 1, redis = null, sports = null } = {}) {
  const bin = requireBin();
  const port = await freePort();
  const args = ['demo', '--listen', `127.0.0.1:${port}`, '--speed', String(speed), '--seed', String(seed), '--public-dir', path.join(ROOT, 'public')];
  if (simulate != null) args.push('--simulate', String(simulate));
  if (sports) args.push('--sports', sports.join(','));
  for (const r of replay) args.push('--replay', r);
  if (redis) args.push('--redis', redis);
  const proc = new Proc('livematch demo', bin, args, { env: { RUST_LOG: process.env.RUST_LOG || 'warn' } });
  const base = `http://127.0.0.1:${port}`;
  await waitHttpOk(proc, `${base}/api/matches`);
  return { proc, port, base };
}

/**
 * `livematch gateway` on `port` (a free one when not given) reading
 * `redis`. Resolves once `/readyz` says the live feed is connected.
 */
export async function startGateway({ redis, port = null }) {
  const bin = requireBin();
  const p = port || (await freePort());
  const args = ['gateway', '--listen', `127.0.0.1:${p}`, '--redis', redis, '--public-dir', path.join(ROOT, 'public')];
  const proc = new Proc('livematch gateway', bin, args, { env: { RUST_LOG: process.env.RUST_LOG || 'warn' } });
  const base = `http://127.0.0.1:${p}`;
  await waitHttpOk(proc, `${base}/readyz`);
  return { proc, port: p, base };
}

/** Send one command to Redis; resolves the raw reply. */
function redisCommand(port, args) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let reply = '';
    sock.setTimeout(2000, () => sock.destroy(new Error('redis reply timed out')));
    sock.on('connect', () => sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    sock.on('data', (d) => {
      reply += d;
      if (reply.endsWith('\r\n')) {
        sock.end();
        resolve(reply);
      }
    });
    sock.on('error', reject);
  });
}

/** A throwaway `redis-server` (no persistence) on a free port. */
export async function startRedis() {
  const bin = process.env.LIVEMATCH_REDIS_SERVER || '/usr/bin/redis-server';
  if (!existsSync(bin)) throw new Error(`${bin} not found: run scripts/install-test-deps.sh`);
  const port = await freePort();
  const proc = new Proc('redis-server', bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp']);
  await waitFor(
    async () => {
      if (!proc.running) throw new Error(`redis-server exited\n${proc.log()}`);
      return (await redisCommand(port, ['PING'])).startsWith('+PONG');
    },
    { timeout: 10000, message: 'redis-server to answer PING' },
  );
  return { proc, port, url: `redis://127.0.0.1:${port}/` };
}

// ---- browser ------------------------------------------------------------------

/** Headless Debian chromium (never a downloaded browser). */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run scripts/install-test-deps.sh (Debian package chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
}

/**
 * A new page that records uncaught page errors and console errors in
 * `page.problems` (tests assert it stays empty).
 */
export async function newPage(browser, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // A refused WebSocket while the gateway is down is expected noise.
    if (m.type() === 'error' && !/WebSocket connection|ERR_CONNECTION_REFUSED|Failed to load resource/.test(m.text())) {
      page.problems.push(`console.error: ${m.text()}`);
    }
  });
  return page;
}

/**
 * Save a screenshot to tests/artifacts/NAME.png (animations such as the
 * new-ball highlight run to their end first); returns its path.
 */
export async function screenshot(page, name, opts = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled', ...opts });
  return file;
}
