// Shared by web/test/*.test.mjs (kept outside test/, since `node --test
// web/test/` runs every module there). Finds the zkpor binary and the
// browser, and turns "missing" into a failure under CI=true instead of a skip.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB = dirname(fileURLToPath(import.meta.url));
export const REPO = dirname(WEB);

export const inCI = () => process.env.CI === 'true' || process.env.CI === '1';

// Skips the test with a reason, except under CI, where a missing tool is a failure.
export function needs(t, ok, reason) {
  if (ok) return true;
  if (inCI()) throw new Error(`CI=true and ${reason}`);
  t.skip(reason);
  return false;
}

// ZKPOR_BIN is set by tests/web.rs to cargo's freshly built binary.
export function zkporBinary() {
  const candidates = [process.env.ZKPOR_BIN, join(REPO, 'target/release/zkpor')].filter(Boolean);
  return candidates.find((p) => existsSync(p)) ?? null;
}

export function chromiumPath() {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  return candidates.find((p) => existsSync(p)) ?? null;
}

// Removed when the test process exits, unless ZKPOR_WEB_KEEP=1 (to look at the files).
export function tempDir(prefix = 'zkpor-web-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (process.env.ZKPOR_WEB_KEEP !== '1') process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Runs zkpor; returns { code, stdout, stderr } without throwing on a non-zero exit.
export function zkpor(bin, args) {
  const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, ZKPOR_CACHE_DIR: join(tmpdir(), 'zkpor-web-cache') } });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function zkporOk(bin, args) {
  const r = zkpor(bin, args);
  if (r.code !== 0) throw new Error(`zkpor ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

// RFC 4180 quoting, for ids with commas, quotes and line breaks.
export const csvField = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

// A synthetic snapshot from `zkpor gen`, with the ids at the given rows
// replaced (the generator only makes hex ids), committed as format 1 (`--tiers none`) with a fresh secret.
// Returns { dir, out, ids, root, summary }.
export function makeSnapshot(bin, { users, assets, seed, renames = {} }) {
  const dir = tempDir();
  const snap = join(dir, 'snap');
  zkporOk(bin, ['gen', '--users', String(users), '--assets', String(assets), '--seed', String(seed), '--out', snap, '--quiet']);
  const accountsPath = join(snap, 'accounts.csv');
  const lines = readFileSync(accountsPath, 'utf8').split('\n');
  const ids = [];
  for (let row = 0; row < users; row++) {
    const line = lines[row + 1];
    const comma = line.indexOf(',');
    const id = renames[row] ?? line.slice(0, comma);
    ids.push(id);
    lines[row + 1] = csvField(id) + line.slice(comma);
  }
  writeFileSync(accountsPath, lines.join('\n'));
  const out = join(dir, 'out');
  const commit = zkporOk(bin, [
    'commit', '--tiers', 'none', '--accounts', accountsPath, '--assets', join(snap, 'assets.csv'),
    '--reserves', join(snap, 'reserves.csv'), '--out', out, '--json', '--quiet',
  ]);
  const summary = JSON.parse(commit.stdout);
  return { dir, out, ids, root: summary.root, summary };
}

// The same, committed as a tiered round (account format 2) by `zkpor commit --tiers TIERS`.
export function makeTieredSnapshot(bin, { users, assets, seed, renames = {}, tiers }) {
  const snap = makeSnapshot(bin, { users, assets, seed, renames });
  const out = join(snap.dir, 'tiered');
  const snapDir = join(snap.dir, 'snap');
  const commit = zkporOk(bin, [
    'commit', '--tiers', tiers, '--accounts', join(snapDir, 'accounts.csv'),
    '--assets', join(snapDir, 'assets.csv'), '--reserves', join(snapDir, 'reserves.csv'),
    '--out', out, '--json', '--quiet',
  ]);
  const summary = JSON.parse(commit.stdout);
  return { dir: snap.dir, out, ids: snap.ids, root: summary.root, summary };
}

export function userProof(bin, snapshot, id, file) {
  zkporOk(bin, ['user-proof', snapshot.out, '--user', id, '--out', file, '--quiet']);
  return JSON.parse(readFileSync(file, 'utf8'));
}

// The command-line twin, run as a customer would.
export function nodeVerify(args) {
  const r = spawnSync(process.execPath, [join(WEB, 'verify.mjs'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
