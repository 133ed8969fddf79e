// The real page in headless Chromium over the DevTools protocol: opened from
// disk it says VALID for a real proof and INVALID for a tampered one; hosted
// beside summary.json it prefills the root. Screenshots go to
// target/web-artifacts/ for a human to look at.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'node:test';
import { chromiumPath, makeSnapshot, makeTieredSnapshot, needs, REPO, tempDir, userProof, WEB, zkporBinary } from '../test-support.mjs';

const ARTIFACTS = join(REPO, 'target/web-artifacts');

async function loadPuppeteer() {
  try {
    return (await import('puppeteer-core')).default;
  } catch {
    return null;
  }
}

// Flags that keep Chromium from reaching any network on its own.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

async function verdict(page) {
  await page.waitForFunction(() => !document.getElementById('result').hidden);
  return page.$eval('#verdict', (el) => el.textContent);
}

test('the page in headless Chromium', async (t) => {
  const puppeteer = await loadPuppeteer();
  const chromium = chromiumPath();
  const bin = zkporBinary();
  if (!needs(t, puppeteer, 'puppeteer-core is not installed (run npm ci in web/)')) return;
  if (!needs(t, chromium, 'Chromium is not installed (apt-get install chromium, or set CHROMIUM)')) return;
  if (!needs(t, bin, 'the zkpor binary is missing (set ZKPOR_BIN or cargo build --release)')) return;

  mkdirSync(ARTIFACTS, { recursive: true });
  const snap = makeSnapshot(bin, { users: 12, assets: 6, seed: 17, renames: { 5: 'Zoë "the fox" 🦊, 用户' } });
  const id = snap.ids[5];
  const good = join(snap.dir, 'my-proof.json');
  const proof = userProof(bin, snap, id, good);
  const tampered = join(snap.dir, 'tampered-proof.json');
  const bad = structuredClone(proof);
  bad.balances[0].equity = bad.balances[0].equity.replace(/.$/, (d) => (d === '9' ? '8' : String(Number(d) + 1)));
  writeFileSync(tampered, JSON.stringify(bad, null, 2));

  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: [...FLAGS, `--user-data-dir=${tempDir('zkpor-chromium-')}`],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

  await t.test('opened from disk: VALID for the real proof', async () => {
    const url = pathToFileURL(join(WEB, 'index.html')).href;
    await page.setViewport({ width: 900, height: 1000 });
    await page.goto(url, { waitUntil: 'load' });
    const input = await page.$('#proof-file');
    await input.uploadFile(good);
    await page.waitForFunction(() => document.getElementById('proof-status').textContent.startsWith('Selected'));
    // Keyboard only: type the root into its field and press Enter to submit.
    await page.focus('#root');
    await page.keyboard.type(snap.root);
    await page.keyboard.press('Enter');
    assert.equal(await verdict(page), 'VALID');
    assert.equal(await page.$eval('#fact-index', (el) => el.textContent), '5');
    assert.equal(await page.$eval('#fact-user', (el) => el.textContent), id);
    assert.equal(await page.$eval('#fact-root', (el) => el.textContent), snap.root);
    assert.equal(await page.$eval('#warning', (el) => el.hidden), true);
    const rows = await page.$$eval('#balances tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows, proof.balances.map((b) => [b.symbol, b.equity, b.debt]));
    // Focus moves to the verdict, so a screen reader announces it.
    assert.equal(await page.evaluate(() => document.activeElement.id), 'verdict');
    await page.screenshot({ path: join(ARTIFACTS, 'page.png'), fullPage: true });
    // Nothing but the page itself was requested.
    assert.deepEqual(requests, [url]);
  });

  await t.test('opened from disk: INVALID for a tampered proof', async () => {
    const input = await page.$('#proof-file');
    await input.uploadFile(tampered);
    await page.waitForFunction(() => document.getElementById('verdict').textContent === 'INVALID');
    const reason = await page.$eval('#reason', (el) => el.textContent);
    assert.match(reason, /The leaf differs from the balances/);
    assert.match(await page.$eval('#detail', (el) => el.textContent), /do not hash to the leaf/);
    assert.equal(await page.$eval('#facts', (el) => getComputedStyle(el).display), 'none');
    assert.equal(await page.$eval('#balances-wrap', (el) => el.hidden), true);
    await page.screenshot({ path: join(ARTIFACTS, 'page-invalid.png'), fullPage: true });
  });

  await t.test('a tiered round: VALID, with the tier and only the held assets', async () => {
    const tiered = makeTieredSnapshot(bin, { users: 12, assets: 6, seed: 18, tiers: '1,dense' });
    const file = join(tiered.dir, 'my-tiered-proof.json');
    const p = userProof(bin, tiered, tiered.ids[3], file);
    await page.$eval('#root', (el) => { el.value = ''; });
    await page.type('#root', tiered.root);
    const input = await page.$('#proof-file');
    await input.uploadFile(file);
    await page.waitForFunction(() => document.getElementById('verdict').textContent === 'VALID');
    const where = p.tier.capacity === null ? 'dense' : `capacity ${p.tier.capacity}`;
    assert.equal(await page.$eval('#fact-index', (el) => el.textContent), `${p.leaf_index} of tier ${p.tier.index} (${where})`);
    assert.match(await page.$eval('#reason', (el) => el.textContent), new RegExp(`of tier ${p.tier.index}, which holds users`));
    const rows = await page.$$eval('#balances tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows, p.balances.map((b) => [b.symbol, b.equity, b.debt]));
    await page.screenshot({ path: join(ARTIFACTS, 'page-tiered.png'), fullPage: true });
  });

  await t.test('on a phone-sized screen nothing scrolls sideways', async () => {
    // A mobile viewport reloads the page, so the form starts empty again.
    await page.setViewport({ width: 375, height: 800, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await page.waitForSelector('#proof-file');
    const input = await page.$('#proof-file');
    await input.uploadFile(good);
    await page.type('#root', snap.root);
    await page.tap('#verify');
    assert.equal(await verdict(page), 'VALID');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    await page.screenshot({ path: join(ARTIFACTS, 'page-phone.png'), fullPage: true });
  });

  await t.test('hosted beside summary.json: the root is prefilled', async () => {
    const summary = readFileSync(join(snap.out, 'summary.json'));
    const html = readFileSync(join(WEB, 'index.html'));
    const server = createServer((req, res) => {
      if (req.url === '/' || req.url === '/index.html') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      else if (req.url === '/summary.json') res.writeHead(200, { 'content-type': 'application/json' }).end(summary);
      else res.writeHead(404).end();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const base = `http://127.0.0.1:${server.address().port}/`;
    await page.setViewport({ width: 900, height: 1000 });
    requests.length = 0;
    await page.goto(base, { waitUntil: 'networkidle0' });
    assert.equal(await page.$eval('#root', (el) => el.value), snap.root);
    const input = await page.$('#proof-file');
    await input.uploadFile(good);
    assert.equal(await verdict(page), 'VALID');
    assert.deepEqual(requests, [base, `${base}summary.json`]);
  });

  assert.deepEqual(errors, [], 'no script errors on the page');
});
