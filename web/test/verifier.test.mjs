// The verifier's pieces against plonky2's known answers and FORMAT.md's rules.

import assert from 'node:assert/strict';
import test from 'node:test';
import { HASH_NO_PAD_VECTORS, P, PERMUTATION_VECTORS, ROUND_CONSTANTS, TWO_TO_ONE_VECTORS } from '../poseidon-constants.mjs';
import { digestFromHex, digestToHex, encodeBytes, hashNoPad, parseUnits, permute, rootFromPath, twoToOne, verifyProofText } from '../verifier.mjs';

test('the generated constants have plonky2 Poseidon\'s shape', () => {
  assert.equal(P, 2n ** 64n - 2n ** 32n + 1n);
  assert.equal(ROUND_CONSTANTS.length, 30 * 12);
});

test('permutation, hash_no_pad and two_to_one match plonky2', () => {
  for (const v of PERMUTATION_VECTORS) assert.deepEqual(permute(v.input), v.output);
  for (const v of HASH_NO_PAD_VECTORS) assert.deepEqual(hashNoPad(v.input), v.output);
  for (const v of TWO_TO_ONE_VECTORS) assert.deepEqual(twoToOne(v.left, v.right), v.output);
  assert.deepEqual(hashNoPad([]), [0n, 0n, 0n, 0n]);
});

test('E(bytes) is the length, then 7 bytes per element little-endian', () => {
  const e = encodeBytes(new TextEncoder().encode('abcdefgh'));
  assert.deepEqual(e, [8n, 0x67666564636261n, 0x68n]);
  assert.deepEqual(encodeBytes(new Uint8Array()), [0n]);
  assert.notDeepEqual(encodeBytes(Uint8Array.of(0x61)), encodeBytes(Uint8Array.of(0x61, 0)));
});

test('digest hex round-trips and rejects what zkpor rejects', () => {
  const d = [1n, P - 1n, 0n, 0x0123456789abcdefn];
  const hex = digestToHex(d);
  assert.equal(hex.length, 64);
  assert.deepEqual(digestFromHex('x', hex), d);
  assert.deepEqual(digestFromHex('x', `0x${hex.toUpperCase()}`), d);
  assert.throws(() => digestFromHex('x', 'ab'), /got 2 characters/);
  assert.throws(() => digestFromHex('x', 'g'.repeat(64)), /non-hex/);
  const nonCanonical = digestToHex([P, 0n, 0n, 0n]);
  assert.throws(() => digestFromHex('x', nonCanonical), /element 0 is not a canonical/);
});

test('amounts parse exactly, never rounded', () => {
  assert.equal(parseUnits('0.5', 8), 50000000n);
  assert.equal(parseUnits('1.50', 1), 15n);
  assert.equal(parseUnits('.25', 2), 25n);
  assert.equal(parseUnits('7.', 0), 7n);
  assert.equal(parseUnits('+3', 0), 3n);
  assert.equal(parseUnits('-0', 0), 0n);
  assert.throws(() => parseUnits('', 8), /empty number/);
  assert.throws(() => parseUnits('1e3', 8), /malformed number/);
  assert.throws(() => parseUnits('.', 8), /malformed number/);
  assert.throws(() => parseUnits(' 1', 8), /malformed number/);
  assert.throws(() => parseUnits('0.123', 2), /3 fractional digits but this asset allows at most 2/);
  assert.throws(() => parseUnits('-1', 2), /must not be negative/);
  assert.throws(() => parseUnits(String(2n ** 48n), 0), /not below the bound 2\^48/);
  assert.equal(parseUnits(String(2n ** 48n - 1n), 0), 2n ** 48n - 1n);
  assert.throws(() => parseUnits('9'.repeat(40), 0), /too many digits/);
});

test('a path walks left and right by the index bits, and the index must fit', () => {
  const leaf = [1n, 2n, 3n, 4n];
  const s0 = [5n, 6n, 7n, 8n];
  const s1 = [9n, 10n, 11n, 12n];
  assert.deepEqual(rootFromPath(leaf, 2, [s0, s1]), twoToOne(s1, twoToOne(leaf, s0)));
  assert.deepEqual(rootFromPath(leaf, 0, []), leaf);
  assert.equal(rootFromPath(leaf, 4, [s0, s1]), null);
});

test('malformed files are INVALID with a reason, never an exception', () => {
  for (const text of ['', 'nope', '[]', 'null', '{}', '{"format":"zkpor-user-proof/1"}']) {
    const v = verifyProofText(text, null, 'f.json');
    assert.equal(v.valid, false);
    assert.equal(v.kind, 'malformed');
    assert.match(v.message, /^f\.json: not a user proof: /);
  }
  const wrongFormat = {
    format: 'zkpor-user-proof/9', user_id: 'u', nonce: '', balances: [], leaf_index: 0,
    siblings: [], root: '', leaf: '', id_commitment: '',
  };
  assert.match(verifyProofText(JSON.stringify(wrongFormat)).message, /unknown format 'zkpor-user-proof\/9'/);
  const badIndex = { ...wrongFormat, format: 'zkpor-user-proof/1', leaf_index: -1 };
  assert.match(verifyProofText(JSON.stringify(badIndex)).message, /leaf_index/);
});

test('the strict JSON reader reads escapes and surrogate pairs like JSON.parse', async () => {
  const { parseJson } = await import('../verifier.mjs');
  const text = '"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83e\\udd8a 🦊 用户"';
  assert.equal(parseJson(text), JSON.parse(text));
  const m = parseJson(' {"a": [1, -2.5e3, true, false, null], "b": {}} ');
  assert.deepEqual(m.get('a').map((v) => v?.raw ?? v), ['1', '-2.5e3', true, false, null]);
  assert.equal(m.get('b').size, 0);
  for (const bad of ['{"a":1,}', '[1,]', '"\u0001"', '01', '-', '1.', '.5', '"\\x"', '{"a" 1}', 'tru', '[' .repeat(200) + ']'.repeat(200)]) {
    assert.throws(() => parseJson(bad), undefined, bad);
  }
});
