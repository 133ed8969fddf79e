// The JS verifier against `zkpor verify-user` on snapshots made by the real
// binary: every proof zkpor accepts, JS accepts; every tampered proof both
// reject; and the command-line twin prints zkpor's verdict word for word.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { digestFromHex, verifyProofBytes, verifyProofText } from '../verifier.mjs';
import { makeSnapshot, makeTieredSnapshot, needs, nodeVerify, userProof, zkpor, zkporBinary } from '../test-support.mjs';

// Ids the generator never makes: Unicode, quotes, commas, a line break,
// spaces at the ends, one byte and the 128-byte maximum.
const ODD_IDS = [
  'Zoë "the fox" 🦊, 用户',
  'a,b,"c"',
  '"',
  'ü',
  '  spaced  ',
  'line\nbreak',
  'é'.repeat(64),
  'x',
  'Ω≈ç√∫',
];

// A fresh seed each run, printed, so a failure can be replayed with ZKPOR_WEB_SEED.
const seed = Number(process.env.ZKPOR_WEB_SEED ?? Math.floor(Math.random() * 1e9));
console.log(`differential seed ${seed} (replay with ZKPOR_WEB_SEED=${seed})`);

const SNAPSHOTS = [
  { users: 1, assets: 3 },
  { users: 2, assets: 1 },
  { users: 7, assets: 8 },
  { users: 33, assets: 20 },
  { users: 129, assets: 5 },
  { users: 9, assets: 64 },
];

// Flips one hex digit, keeping the element canonical (a top digit of f could reach p).
function flipHex(hex, at = 0) {
  const c = hex[at];
  const next = c === '0' ? '1' : '0';
  return hex.slice(0, at) + next + hex.slice(at + 1);
}

function bumpAmount(text) {
  const last = text[text.length - 1];
  return text.slice(0, -1) + (last === '9' ? '8' : String(Number(last) + 1));
}

function tampers(proof, root) {
  const t = [];
  const clone = () => structuredClone(proof);
  {
    const p = clone();
    const i = p.balances.findIndex((b) => !/^[0.]*$/.test(b.equity));
    const b = p.balances[Math.max(i, 0)];
    b.equity = bumpAmount(b.equity);
    t.push(['a balance', p, root]);
  }
  {
    const p = clone();
    p.balances[p.balances.length - 1].debt = bumpAmount(p.balances[p.balances.length - 1].debt);
    t.push(['a debt', p, root]);
  }
  if (proof.siblings.length > 0) {
    const p = clone();
    const level = proof.siblings.length - 1;
    p.siblings[level] = flipHex(p.siblings[level], 2);
    t.push(['a sibling', p, root]);
  }
  {
    const p = clone();
    p.leaf_index = proof.siblings.length > 0 ? proof.leaf_index ^ 1 : 1;
    t.push(['the index', p, root]);
  }
  {
    const p = clone();
    p.nonce = flipHex(p.nonce, 4);
    t.push(['the nonce', p, root]);
  }
  {
    const p = clone();
    p.user_id = `${p.user_id}x`;
    t.push(['the id', p, root]);
  }
  {
    const p = clone();
    p.root = flipHex(p.root, 6);
    t.push(["the file's root", p, root]);
  }
  {
    // A sign is not a hex digit, even where it would parse to the same byte.
    const p = clone();
    p.nonce = `+${p.nonce.slice(1)}`;
    t.push(['the nonce with a sign', p, root]);
  }
  t.push(['the published root', proof, flipHex(root, 8)]);
  return t;
}

test('JS and zkpor verify-user agree on real and tampered proofs', async (t) => {
  const bin = zkporBinary();
  if (!needs(t, bin, 'the zkpor binary is missing (set ZKPOR_BIN or cargo build --release)')) return;
  let accepted = 0;
  let rejected = 0;
  for (const [k, shape] of SNAPSHOTS.entries()) {
    const { users } = shape;
    // Odd ids at the first, middle and last rows, so each position meets them.
    const rows = [...new Set([0, users >> 1, users - 1])];
    const renames = Object.fromEntries(rows.map((row, j) => [row, ODD_IDS[(k * 3 + j) % ODD_IDS.length]]));
    const snap = makeSnapshot(bin, { ...shape, seed: seed + k, renames });
    await t.test(`${users} users x ${shape.assets} assets`, () => {
      for (const row of rows) {
        const id = snap.ids[row];
        const file = join(snap.dir, `proof-${row}.json`);
        const proof = userProof(bin, snap, id, file);
        assert.equal(proof.leaf_index, row);
        assert.equal(proof.balances.length, shape.assets);
        const { rust } = agreeAccepted(bin, snap, file, proof, id);
        const twin = nodeVerify([file, '--root', snap.root]);
        assert.equal(twin.code, 0);
        assert.equal(twin.stdout, rust.stdout, 'the CLI twin prints what zkpor prints');
        accepted++;

        for (const [what, bad, root] of tampers(proof, snap.root)) {
          agreeRejected(bin, snap.dir, `${what} (row ${row})`, bad, root);
          rejected++;
        }
      }
    });
  }
  console.log(`differential: ${accepted} proofs accepted by both, ${rejected} tampered proofs rejected by both`);
});

// Files that JSON.parse would read but zkpor's reader refuses, and the odd
// forms it does read: the verdicts (accept or reject) must be the same.
test('JS and zkpor agree on how a proof file must be written', async (t) => {
  const bin = zkporBinary();
  if (!needs(t, bin, 'the zkpor binary is missing (set ZKPOR_BIN or cargo build --release)')) return;
  const snap = makeSnapshot(bin, { users: 6, assets: 3, seed: seed + 100, renames: { 2: 'line\nbreak "q", 🦊' } });
  const file = join(snap.dir, 'p.json');
  const proof = userProof(bin, snap, snap.ids[2], file);
  const text = readFileSync(file, 'utf8');
  const fields = ['format', 'user_id', 'nonce', 'balances', 'leaf_index', 'siblings', 'root', 'leaf', 'id_commitment'];
  const positional = fields.map((f) => (f === 'balances' ? proof.balances.map((b) => [b.symbol, b.decimals, b.equity, b.debt]) : proof[f]));
  const enc = (s) => Buffer.from(s, 'utf8');
  // The first letter of the first (ASCII) symbol becomes 0xff, which no UTF-8 text holds.
  const badUtf8 = (buf) => {
    const at = buf.indexOf('"symbol": "') + '"symbol": "'.length;
    return Buffer.concat([buf.subarray(0, at), Buffer.from([0xff]), buf.subarray(at + 1)]);
  };
  const cases = [
    ['as written', enc(text), true],
    ['compact', enc(JSON.stringify(proof)), true],
    ['fields reordered, unknown ones added', enc(JSON.stringify({ zz: [1, { a: null }], ...Object.fromEntries(Object.entries(proof).reverse()) })), true],
    ['an unknown field twice', enc(text.replace('{', '{"x": 1, "x": 2,')), true],
    ['a struct as a list', enc(JSON.stringify(positional)), true],
    ['a list one short', enc(JSON.stringify(positional.slice(0, -1))), false],
    ['index 2.0', enc(text.replace('"leaf_index": 2', '"leaf_index": 2.0')), false],
    ['index 2e0', enc(text.replace('"leaf_index": 2', '"leaf_index": 2e0')), false],
    ['index 02', enc(text.replace('"leaf_index": 2', '"leaf_index": 02')), false],
    ['index 2^64 + 2', enc(text.replace('"leaf_index": 2', `"leaf_index": ${2n ** 64n + 2n}`)), false],
    ['index 2^53 + 2', enc(text.replace('"leaf_index": 2', `"leaf_index": ${2n ** 53n + 2n}`)), false],
    ['decimals 8.0', enc(text.replace(/"decimals": (\d+)/, '"decimals": $1.0')), false],
    ['the index twice', enc(text.replace('"leaf_index": 2', '"leaf_index": 3, "leaf_index": 2')), false],
    ['a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), enc(text)]), false],
    ['invalid UTF-8 in a symbol', badUtf8(enc(text)), false],
    ['a lone surrogate in the id', enc(text.replace(/"user_id": "/, '"user_id": "\\ud800')), false],
    ['trailing text', enc(`${text}x`), false],
    ['trailing whitespace', enc(`${text}\n\t `), true],
  ];
  for (const [what, bytes, valid] of cases) agreeOnFile(bin, snap, what, bytes, valid);
});

// zkpor, the JS verifier and its command-line twin on one file's bytes:
// each gives the expected verdict, and a verdict (not a reading error) is
// printed the same way by both commands.
function agreeOnFile(bin, snap, what, bytes, valid) {
  const path = join(snap.dir, 'case.json');
  writeFileSync(path, bytes);
  const rust = zkpor(bin, ['verify-user', path, '--root', snap.root]);
  const js = verifyProofBytes(bytes, digestFromHex('root', snap.root));
  const twin = nodeVerify([path, '--root', snap.root]);
  assert.equal(rust.code, valid ? 0 : 8, `zkpor on ${what}: ${rust.stdout}${rust.stderr}`);
  assert.equal(js.valid, valid, `JS on ${what}: ${js.message}`);
  assert.equal(twin.code, rust.code, `verify.mjs on ${what}`);
  if (!js.valid && !js.message.includes('not a user proof')) assert.equal(twin.stdout, rust.stdout, `same verdict text on ${what}`);
}

// Tiered rounds (format 2): users in every tier, a dense tier, one tier
// alone (no top path), and tiers chosen by `--tiers auto`.
const TIERED = [
  { users: 40, assets: 8, tiers: '1,2,dense' },
  { users: 33, assets: 20, tiers: 'auto' },
  { users: 9, assets: 64, tiers: '8' },
  { users: 1, assets: 3, tiers: '1,2,dense' },
];

// What a format-2 proof adds to tamper with: the tier, its capacity, the
// asset count, and how positions are routed to their assets.
function tieredTampers(proof, root) {
  const t = [];
  const edit = (what, change) => {
    const p = structuredClone(proof);
    change(p);
    t.push([what, p, root]);
  };
  const held = new Set(proof.balances.map((b) => b.index));
  const free = [...Array(proof.num_assets).keys()].find((i) => !held.has(i));
  edit('the tier index', (p) => { p.tier.index = p.tier.siblings.length > 0 ? p.tier.index ^ 1 : 1; });
  if (proof.tier.siblings.length > 0) edit('a top sibling', (p) => { p.tier.siblings[0] = flipHex(p.tier.siblings[0], 2); });
  edit('the tier root', (p) => { p.tier.root = flipHex(p.tier.root, 10); });
  edit('the capacity', (p) => { p.tier.capacity = p.tier.capacity === null ? p.balances.length : null; });
  edit('capacity 0', (p) => { p.tier.capacity = 0; });
  edit('a capacity above A', (p) => { p.tier.capacity = p.num_assets + 1; });
  // A full sparse leaf (n = K) has no padding, so A is not in it (FORMAT.md §12).
  if (proof.tier.capacity === null || proof.balances.length < proof.tier.capacity) {
    edit('the asset count', (p) => { p.num_assets += 1; });
  }
  edit('no assets', (p) => { p.num_assets = 0; });
  edit('assets past the maximum', (p) => { p.num_assets = 1025; });
  edit('a dropped position', (p) => { p.balances.shift(); });
  edit('an index past A', (p) => { p.balances[p.balances.length - 1].index = p.num_assets; });
  edit('a missing index', (p) => { delete p.balances[0].index; });
  if (free !== undefined) {
    edit('a position moved to another asset', (p) => {
      p.balances = [...p.balances, { ...p.balances[0], index: free }].slice(1).sort((a, b) => a.index - b.index);
    });
    edit('a zero position added', (p) => {
      const zero = { ...p.balances[0], equity: '0', debt: '0', index: free };
      p.balances = [...p.balances, zero].sort((a, b) => a.index - b.index);
    });
  }
  if (proof.balances.length > 1) {
    edit('positions out of order', (p) => { p.balances.reverse(); });
    edit('a repeated index', (p) => { p.balances[1].index = p.balances[0].index; });
  }
  // A dense leaf listing every asset is also a format-1 leaf, so only a sparse one.
  if (proof.tier.capacity !== null) edit('format 1', (p) => { p.format = 'zkpor-user-proof/1'; });
  return t;
}

// zkpor and the JS verifier both accept `id`'s real proof (in `file`).
function agreeAccepted(bin, snap, file, proof, id) {
  const rust = zkpor(bin, ['verify-user', file, '--root', snap.root]);
  assert.equal(rust.code, 0, `zkpor rejects ${JSON.stringify(id)}: ${rust.stdout}${rust.stderr}`);
  const js = verifyProofText(JSON.stringify(proof), digestFromHex('root', snap.root));
  assert.equal(js.valid, true, `JS rejects ${JSON.stringify(id)}: ${js.message}`);
  assert.equal(js.userId, id);
  return { rust, js };
}

function agreeRejected(bin, dir, what, bad, root) {
  const badFile = join(dir, 'tampered.json');
  writeFileSync(badFile, JSON.stringify(bad, null, 2));
  const r = zkpor(bin, ['verify-user', badFile, '--root', root]);
  assert.equal(r.code, 8, `zkpor accepts ${what} tampered: ${r.stdout}`);
  const v = verifyProofText(JSON.stringify(bad), digestFromHex('root', root));
  assert.equal(v.valid, false, `JS accepts ${what} tampered`);
  const tw = nodeVerify([badFile, '--root', root]);
  assert.equal(tw.code, 8);
  assert.equal(tw.stdout, r.stdout, `same verdict text for ${what} tampered`);
}

test('JS and zkpor verify-user agree on tiered rounds', async (t) => {
  const bin = zkporBinary();
  if (!needs(t, bin, 'the zkpor binary is missing (set ZKPOR_BIN or cargo build --release)')) return;
  let accepted = 0;
  let rejected = 0;
  for (const [k, shape] of TIERED.entries()) {
    const { users } = shape;
    const renames = { 0: ODD_IDS[k % ODD_IDS.length], [users - 1]: ODD_IDS[(k + 4) % ODD_IDS.length] };
    const snap = makeTieredSnapshot(bin, { ...shape, seed: seed + 200 + k, renames });
    await t.test(`${users} users x ${shape.assets} assets, tiers ${shape.tiers}`, () => {
      const tiers = snap.summary.tiers;
      const seen = new Set();
      for (const [row, id] of snap.ids.entries()) {
        const file = join(snap.dir, `proof-${row}.json`);
        const proof = userProof(bin, snap, id, file);
        const tier = proof.tier.index;
        assert.equal(proof.format, 'zkpor-user-proof/2');
        assert.equal(proof.tier.capacity, tiers[tier].capacity);
        const { rust, js } = agreeAccepted(bin, snap, file, proof, id);
        assert.match(rust.stdout, new RegExp(`of tier ${tier} \\((dense|capacity \\d+)\\) of root`));
        assert.equal(js.tier.index, BigInt(tier));
        accepted++;
        // Every check in full for the odd ids and the first user of each tier.
        if (seen.has(tier) && row !== 0 && row !== users - 1) continue;
        seen.add(tier);
        const twin = nodeVerify([file, '--root', snap.root]);
        assert.equal(twin.code, 0);
        assert.equal(twin.stdout, rust.stdout, 'the CLI twin prints what zkpor prints');
        for (const [what, bad, root] of [...tampers(proof, snap.root), ...tieredTampers(proof, snap.root)]) {
          agreeRejected(bin, snap.dir, `${what} (row ${row}, tier ${tier})`, bad, root);
          rejected++;
        }
      }
      assert.equal(seen.size, tiers.length, 'every tier was checked');
    });
  }
  console.log(`tiered differential: ${accepted} proofs accepted by both, ${rejected} tampered proofs rejected by both`);
});

// How a format-2 file may be written: its optional fields as serde reads
// them, in an object or in the positional (list) form.
test('JS and zkpor agree on how a tiered proof file must be written', async (t) => {
  const bin = zkporBinary();
  if (!needs(t, bin, 'the zkpor binary is missing (set ZKPOR_BIN or cargo build --release)')) return;
  const snap = makeTieredSnapshot(bin, { users: 12, assets: 6, seed: seed + 300, tiers: '1,dense' });
  const proofs = snap.ids.map((id, row) => userProof(bin, snap, id, join(snap.dir, `p-${row}.json`)));
  const dense = proofs.find((p) => p.tier.capacity === null);
  const sparse = proofs.find((p) => p.tier.capacity !== null);
  assert.ok(dense && sparse, 'the snapshot has users in both tiers');
  const fields = ['format', 'user_id', 'nonce', 'balances', 'leaf_index', 'siblings', 'root', 'leaf', 'id_commitment', 'num_assets', 'tier'];
  const positional = (p) =>
    fields.map((f) =>
      f === 'balances' ? p.balances.map((b) => [b.symbol, b.decimals, b.equity, b.debt, b.index])
      : f === 'tier' ? [p.tier.index, p.tier.capacity, p.tier.root, p.tier.siblings]
      : p[f]);
  const without = (p, key) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== key));
  const cases = [
    ['sparse, as written', sparse, true],
    ['dense, as written', dense, true],
    ['sparse, as a list', positional(sparse), true],
    ['dense, as a list', positional(dense), true],
    ['a list without num_assets and tier', positional(sparse).slice(0, 9), false],
    ['a list without tier', positional(sparse).slice(0, 10), false],
    ['a list one too long', [...positional(sparse), null], false],
    ['dense, capacity left out', { ...dense, tier: without(dense.tier, 'capacity') }, true],
    ['sparse, capacity left out', { ...sparse, tier: without(sparse.tier, 'capacity') }, false],
    ['a tier list of three', { ...dense, tier: positional(dense)[10].slice(0, 3) }, false],
    ['num_assets null', { ...sparse, num_assets: null }, false],
    ['num_assets left out', without(sparse, 'num_assets'), false],
    ['tier null', { ...sparse, tier: null }, false],
    ['an index null', { ...sparse, balances: sparse.balances.map((b) => ({ ...b, index: null })) }, false],
    ['a balance of four', { ...sparse, balances: sparse.balances.map((b) => [b.symbol, b.decimals, b.equity, b.debt]) }, false],
    ['num_assets 6.0', JSON.stringify(sparse).replace('"num_assets":6', '"num_assets":6.0'), false],
    ['index -1', { ...sparse, balances: sparse.balances.map((b) => ({ ...b, index: -1 })) }, false],
    ['index 2^32', { ...sparse, balances: sparse.balances.map((b) => ({ ...b, index: 2 ** 32 })) }, false],
    ['num_assets twice', JSON.stringify(sparse).replace('"num_assets":6', '"num_assets":7,"num_assets":6'), false],
    ['a format 1 proof with a tier', { ...sparse, format: 'zkpor-user-proof/1', tier: { index: 'x' } }, false],
  ];
  for (const [what, value, valid] of cases) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    agreeOnFile(bin, snap, what, Buffer.from(text, 'utf8'), valid);
  }
});
