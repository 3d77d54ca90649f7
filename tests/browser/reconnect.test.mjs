// The gateway dies mid-match and comes back: the page must notice, reconnect,
// resume from its last seq, and end with exactly the final scorecard and
// every commentary line once.
//
// Split pipeline: a real redis-server; `livematch demo --redis` runs the
// producer and consumer (writing state, log and live notifications to
// Redis); a separate `livematch gateway` process serves the page from the
// same Redis and is the one killed (SIGKILL) and restarted on its port.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertCharts, assertCommentary, assertFinished, assertScorecard } from './checks.mjs';
import { get, getJson, launchBrowser, newPage, screenshot, sleep, startDemo, startGateway, startRedis, waitFor } from './harness.mjs';
import { pageSeq } from './readers.mjs';

let redis;
let demo;
let gateway;
let browser;

before(async () => {
  redis = await startRedis();
  // A T20 in about 25 s.
  demo = await startDemo({ simulate: 1, speed: 500, seed: 42, redis: redis.url });
  gateway = await startGateway({ redis: redis.url });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await gateway?.proc.stop();
  await demo?.proc.stop();
  await redis?.proc.stop();
});

test('killing and restarting the gateway mid-match: the page reconnects and ends with exactly the final scorecard', async (t) => {
  const logs = () => `${gateway.proc.log(20)}\n${demo.proc.log(20)}`;
  const entry = await waitFor(async () => (await getJson(`${gateway.base}/api/matches`)).find((e) => e.status === 'live'), {
    timeout: 20000,
    message: 'a live match through the standalone gateway',
  });
  const id = entry.id;
  const page = await newPage(browser);
  await page.goto(`${gateway.base}/#/match/${id}`);
  await page.waitForSelector(`[data-testid="match"][data-match-id="${id}"][data-state="ready"]`);
  assert.equal(await page.getAttribute('[data-testid="conn"]', 'data-state'), 'connected');

  // Into the chase: the equation shows what the page's snapshot says.
  await waitFor(
    async () =>
      page.evaluate((m) => {
        const s = window.__livematch.snapshots[m];
        return Boolean(s && s.current && s.current.innings === 1 && s.current.equation && s.innings[1].legal_balls >= 12);
      }, id),
    { timeout: 40000, interval: 100, message: 'the second innings' },
  );
  let eq;
  await waitFor(
    async () => {
      eq = await page.evaluate((m) => {
        const s = window.__livematch.snapshots[m];
        return { want: s.current.equation, shown: document.querySelector('[data-testid="equation"]').textContent };
      }, id);
      return eq.shown.endsWith(eq.want);
    },
    { timeout: 3000, interval: 20, message: 'the equation to show the snapshot' },
  ).catch((e) => {
    throw new Error(`${e.message}: ${JSON.stringify(eq)}`);
  });
  assert.ok(await page.isVisible('[data-rate="rrr"]'), 'required rate shown in the chase');
  await screenshot(page, 'live-match');

  // Kill the gateway: the page says it is reconnecting.
  await gateway.proc.crash();
  await page.waitForSelector('[data-testid="conn"][data-state="reconnecting"]', { timeout: 5000 });
  assert.match(await page.textContent('#conn-label'), /Reconnecting/);
  assert.ok(await page.isVisible('#conn-retry'), 'a retry button while disconnected');
  const seqAtKill = await pageSeq(page, id);
  // The match goes on meanwhile (read through the demo's own gateway).
  await waitFor(async () => (await getJson(`${demo.base}/api/matches/${id}`)).seq > seqAtKill + 10, {
    timeout: 10000,
    message: 'events while the gateway is down',
  });
  await sleep(500);
  assert.equal(await pageSeq(page, id), seqAtKill, 'nothing arrives while the gateway is down');

  // Back on the same port: the page reconnects by itself and catches up.
  gateway = await startGateway({ redis: redis.url, port: gateway.port });
  await page.waitForSelector('[data-testid="conn"][data-state="connected"]', { timeout: 20000 });
  t.diagnostic(`seq ${seqAtKill} at the kill; the match was at ${(await getJson(`${demo.base}/api/matches/${id}`)).seq} when the page reconnected`);

  const final = await waitFor(
    async () => {
      const s = (await get(`${gateway.base}/api/matches/${id}`)).body;
      return s && s.status === 'completed' ? s : null;
    },
    { timeout: 60000, interval: 200, message: 'the match to finish' },
  ).catch((e) => {
    throw new Error(`${e.message}\n${logs()}`);
  });
  await waitFor(async () => (await pageSeq(page, id)) === final.seq, { timeout: 10000, message: `the page to reach seq ${final.seq}` });
  await page.waitForSelector('[data-testid="match-status"][data-status="completed"]');

  await assertScorecard(page, final);
  await assertFinished(page, final);
  await assertCommentary(page, final, gateway.base);
  await assertCharts(page, final);
  const stats = await page.evaluate(() => window.__livematch.stats);
  t.diagnostic(`client stats: ${JSON.stringify(stats)}`);
  assert.ok(stats.reconnects >= 1, 'the client reconnected');
  assert.equal(stats.patchErrors, 0, 'every patch applied');
  await screenshot(page, 'completed-after-reconnect', { fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
