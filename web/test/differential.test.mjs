// The JS verifier against `zkpor verify-user` on snapshots made by the real
// binary: every proof zkpor accepts, JS accepts; every tampered proof both
// reject; and the command-line twin prints zkpor's verdict word for word.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { digestFromHex, verifyProofBytes, verifyProofText } from '../verifier.mjs';
import { makeSnapshot, needs, nodeVerify, userProof, zkpor, zkporBinary } from '../test-support.mjs';

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
        const rust = zkpor(bin, ['verify-user', file, '--root', snap.root]);
        assert.equal(rust.code, 0, `zkpor rejects ${JSON.stringify(id)}: ${rust.stdout}${rust.stderr}`);
        const js = verifyProofText(JSON.stringify(proof), digestFromHex('root', snap.root));
        assert.equal(js.valid, true, `JS rejects ${JSON.stringify(id)}: ${js.message}`);
        assert.equal(js.userId, id);
        const twin = nodeVerify([file, '--root', snap.root]);
        assert.equal(twin.code, 0);
        assert.equal(twin.stdout, rust.stdout, 'the CLI twin prints what zkpor prints');
        accepted++;

        for (const [what, bad, root] of tampers(proof, snap.root)) {
          const badFile = join(snap.dir, `tampered-${row}.json`);
          writeFileSync(badFile, JSON.stringify(bad, null, 2));
          const r = zkpor(bin, ['verify-user', badFile, '--root', root]);
          assert.equal(r.code, 8, `zkpor accepts ${what} tampered (row ${row}): ${r.stdout}`);
          const v = verifyProofText(JSON.stringify(bad), digestFromHex('root', root));
          assert.equal(v.valid, false, `JS accepts ${what} tampered (row ${row})`);
          const tw = nodeVerify([badFile, '--root', root]);
          assert.equal(tw.code, 8);
          assert.equal(tw.stdout, r.stdout, `same verdict text for ${what} tampered`);
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
  for (const [what, bytes, valid] of cases) {
    const path = join(snap.dir, 'case.json');
    writeFileSync(path, bytes);
    const rust = zkpor(bin, ['verify-user', path, '--root', snap.root]);
    const js = verifyProofBytes(bytes, digestFromHex('root', snap.root));
    const twin = nodeVerify([path, '--root', snap.root]);
    assert.equal(rust.code, valid ? 0 : 8, `zkpor on ${what}: ${rust.stdout}${rust.stderr}`);
    assert.equal(js.valid, valid, `JS on ${what}: ${js.message}`);
    assert.equal(twin.code, rust.code, `verify.mjs on ${what}`);
  }
});
