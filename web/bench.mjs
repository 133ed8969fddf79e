#!/usr/bin/env node
// Times the verifier: `node web/bench.mjs [PROOF.json [--root HEX] [--browser]]`. Without a
// file it builds self-consistent proofs at the format's extremes (a tree of
// depth 32, i.e. 2^32 users, with 20 and with 1024 assets), since the work
// is the same whether or not an exchange really holds such a tree.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { digestFromHex, digestToHex, idCommitment, leafDigest, rootFromPath, verifyProofText } from './verifier.mjs';

function synthetic(assets, depth) {
  let x = 0x2545f4914f6cdd1dn;
  const next = () => {
    x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    return x % 0xffffffff00000001n;
  };
  const digest = () => [next(), next(), next(), next()];
  const nonce = digest();
  const userId = 'customer-4711@example';
  const balances = Array.from({ length: assets }, (_, i) => ({
    symbol: `A${i}`, decimals: 8, equity: `${i}.${String(i * 7919).padStart(8, '0').slice(0, 8)}`, debt: '0.00000000',
  }));
  const units = balances.map((b) => [BigInt(b.equity.replace('.', '')), 0n]);
  const idc = idCommitment(nonce, new TextEncoder().encode(userId));
  const leaf = leafDigest(idc, units);
  const siblings = Array.from({ length: depth }, digest);
  const leafIndex = 2 ** depth - 12345;
  const root = rootFromPath(leaf, leafIndex, siblings);
  const proof = {
    format: 'zkpor-user-proof/1', user_id: userId, nonce: digestToHex(nonce), balances,
    leaf_index: leafIndex, siblings: siblings.map(digestToHex), root: digestToHex(root),
    leaf: digestToHex(leaf), id_commitment: digestToHex(idc),
  };
  return { name: `synthetic: ${assets} assets, depth ${depth}`, text: JSON.stringify(proof), root: digestToHex(root) };
}

// Permutations one verification runs: the id commitment, the leaf, one per level.
function permutations(proof) {
  const idBytes = new TextEncoder().encode(proof.user_id).length;
  const idcInputs = 1 + 2 + 4 + 1 + Math.ceil(idBytes / 7);
  return Math.ceil(idcInputs / 8) + Math.ceil((4 + 2 * proof.balances.length) / 8) + proof.siblings.length;
}

function time({ name, text, root }) {
  const published = digestFromHex('root', root);
  const once = () => {
    const v = verifyProofText(text, published);
    if (!v.valid) throw new Error(`${name}: ${v.message}`);
  };
  // The first call is what a customer waits for: nothing compiled yet.
  const t0 = performance.now();
  once();
  const first = performance.now() - t0;
  for (let i = 0; i < 5; i++) once(); // warm the JIT
  const runs = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    once();
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  const perms = permutations(JSON.parse(text));
  console.log(`${name}: ${perms} permutations; first call ${first.toFixed(1)} ms; then median ${runs[15].toFixed(1)} ms, min ${runs[0].toFixed(1)} ms, max ${runs[29].toFixed(1)} ms (30 runs after 5 warm-up)`);
}

// The same in the page: headless Chromium, the click on Verify until the verdict is
// drawn (the handler runs synchronously). Needs `npm ci` and Chromium.
async function timeInBrowser(file, root) {
  const { default: puppeteer } = await import('puppeteer-core');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      `--user-data-dir=${mkdtempSync(join(tmpdir(), 'zkpor-bench-'))}`],
  });
  try {
    const page = await browser.newPage();
    await page.goto(new URL('index.html', import.meta.url).href);
    await (await page.$('#proof-file')).uploadFile(file);
    await page.waitForFunction(() => document.getElementById('proof-status').textContent.startsWith('Selected'));
    await page.type('#root', root);
    const runs = await page.evaluate(() => {
      const out = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        document.getElementById('verify').click();
        out.push(performance.now() - t0);
      }
      return out;
    });
    const verdict = await page.$eval('#verdict', (el) => el.textContent);
    const first = runs[0];
    runs.sort((a, b) => a - b);
    console.log(`chromium, ${file}: ${verdict}; first click ${first.toFixed(1)} ms; median of 20 ${runs[10].toFixed(1)} ms`);
  } finally {
    await browser.close();
  }
}

const args = process.argv.slice(2);
const browserAt = args.indexOf('--browser');
if (browserAt >= 0) {
  args.splice(browserAt, 1);
  const at = args.indexOf('--root');
  await timeInBrowser(args[0], at >= 0 ? args[at + 1] : JSON.parse(readFileSync(args[0], 'utf8')).root);
} else if (args.length > 0) {
  const at = args.indexOf('--root');
  const text = readFileSync(args[0], 'utf8');
  time({ name: args[0], text, root: at >= 0 ? args[at + 1] : JSON.parse(text).root });
} else {
  time(synthetic(20, 32));
  time(synthetic(1024, 32));
}
