// An independent verifier for zkpor user inclusion proofs (docs/FORMAT.md
// §1, §4, §5, §7). It shares no code with the Rust implementation; only the
// Poseidon constants come from plonky2, through a generated file. Pure
// functions: no DOM, no I/O, so the page and the command line run the same code.

import { P, WIDTH, RATE, HALF_FULL_ROUNDS, PARTIAL_ROUNDS, ROUND_CONSTANTS, MDS_CIRC, MDS_DIAG } from './poseidon-constants.mjs';

export const USER_PROOF_FORMAT = 'zkpor-user-proof/1';
// A tiered round's proof (FORMAT.md §12): held positions, tier path, top path.
export const USER_PROOF_FORMAT_TIERED = 'zkpor-user-proof/2';
// The most assets a round lists (FORMAT.md §3).
export const MAX_ASSETS = 1024n;

// BigInt keeps every field operation exact; one proof needs a few dozen
// permutations, which is fast enough without hand-written limbs.
function sbox(x) {
  const x2 = (x * x) % P;
  const x3 = (x2 * x) % P;
  const x4 = (x2 * x2) % P;
  return (x4 * x3) % P;
}

// The MDS entries are small, so a row's products are summed exactly and reduced once.
function mds(state) {
  const out = new Array(WIDTH);
  for (let r = 0; r < WIDTH; r++) {
    let sum = state[r] * MDS_DIAG[r];
    for (let i = 0; i < WIDTH; i++) sum += state[(i + r) % WIDTH] * MDS_CIRC[i];
    out[r] = sum % P;
  }
  return out;
}

function addConstants(state, round) {
  for (let i = 0; i < WIDTH; i++) state[i] = (state[i] + ROUND_CONSTANTS[round * WIDTH + i]) % P;
}

// plonky2's Poseidon permutation, written the plain way (full, partial, full
// rounds); plonky2's optimised partial rounds compute the same function.
export function permute(input) {
  let state = input.map((x) => BigInt(x) % P);
  let round = 0;
  const full = () => {
    for (let k = 0; k < HALF_FULL_ROUNDS; k++) {
      addConstants(state, round++);
      state = mds(state.map(sbox));
    }
  };
  full();
  for (let k = 0; k < PARTIAL_ROUNDS; k++) {
    addConstants(state, round++);
    state[0] = sbox(state[0]);
    state = mds(state);
  }
  full();
  return state;
}

// H: overwrite-mode sponge, no padding; H() of nothing is four zeros.
export function hashNoPad(elements) {
  let state = new Array(WIDTH).fill(0n);
  for (let at = 0; at < elements.length; at += RATE) {
    const chunk = elements.slice(at, at + RATE);
    for (let i = 0; i < chunk.length; i++) state[i] = chunk[i];
    state = permute(state);
  }
  return state.slice(0, 4);
}

// C: permute [l, r, 0, 0, 0, 0] and keep four.
export function twoToOne(left, right) {
  return permute([...left, ...right, 0n, 0n, 0n, 0n]).slice(0, 4);
}

// E(bytes): the length, then 7 bytes per element little-endian.
export function encodeBytes(bytes) {
  const out = [BigInt(bytes.length)];
  for (let at = 0; at < bytes.length; at += 7) {
    let v = 0n;
    const end = Math.min(at + 7, bytes.length);
    for (let j = end - 1; j >= at; j--) v = (v << 8n) | BigInt(bytes[j]);
    out.push(v);
  }
  return out;
}

const utf8 = (text) => new TextEncoder().encode(text);

const DOMAIN_ID = utf8('zkpor.v1.id');

export function idCommitment(nonce, idBytes) {
  return hashNoPad([...encodeBytes(DOMAIN_ID), ...nonce, ...encodeBytes(idBytes)]);
}

// positions: [[equity, debt], ...] in asset order, as BigInt units.
export function leafDigest(idc, positions) {
  return hashNoPad([...idc, ...positions.flat()]);
}

// The sparse leaf of a tier of capacity K (FORMAT.md §12): the held
// positions [[index, equity, debt], ...] in increasing index, then slot k
// past them padded with (A + k, 0, 0).
export function sparseLeafDigest(idc, held, numAssets, capacity) {
  const slots = [];
  for (let k = 0n; k < capacity; k++) {
    slots.push(k < BigInt(held.length) ? held[Number(k)] : [numAssets + k, 0n, 0n]);
  }
  return hashNoPad([...idc, ...slots.flat()]);
}

// The dense (format 1) leaf of the held positions: zeros at every other asset.
export function denseLeafDigest(idc, held, numAssets) {
  const positions = Array.from({ length: Number(numAssets) }, () => [0n, 0n]);
  for (const [i, e, d] of held) positions[Number(i)] = [e, d];
  return leafDigest(idc, positions);
}

// Walks the path of §5; null when the index does not fit the depth.
export function rootFromPath(leaf, leafIndex, siblings) {
  const index = BigInt(leafIndex);
  const depth = BigInt(siblings.length);
  if (depth < 64n && index >> depth !== 0n) return null;
  let node = leaf;
  siblings.forEach((sibling, level) => {
    node = ((index >> BigInt(level)) & 1n) === 0n ? twoToOne(node, sibling) : twoToOne(sibling, node);
  });
  return node;
}

export function digestToHex(digest) {
  let hex = '';
  for (const e of digest) {
    for (let j = 0n; j < 8n; j++) hex += ((e >> (8n * j)) & 0xffn).toString(16).padStart(2, '0');
  }
  return hex;
}

// Failures carry a kind, so the page can say which check failed, and a
// message worded as `zkpor verify-user` words it.
export class VerifyError extends Error {
  constructor(kind, message, shape = false) {
    super(message);
    this.kind = kind; // 'malformed' | 'leaf' | 'path'
    this.shape = shape; // the file is not a user proof at all
  }
}

const malformed = (message) => new VerifyError('malformed', message);
const notAProof = (message) => new VerifyError('malformed', message, true);

// Digest hex as zkpor accepts it: optional 0x, 64 hex digits, each element < p.
export function digestFromHex(what, text) {
  const body = text.startsWith('0x') ? text.slice(2) : text;
  const bytes = utf8(body).length;
  if (bytes !== 64) throw malformed(`${what}: digest hex must be 64 hex digits, got ${bytes} characters`);
  if (!/^[0-9a-fA-F]{64}$/.test(body)) throw malformed(`${what}: digest hex contains a non-hex character`);
  const digest = [];
  for (let i = 0; i < 4; i++) {
    let e = 0n;
    for (let j = 7; j >= 0; j--) e = (e << 8n) | BigInt(parseInt(body.slice(16 * i + 2 * j, 16 * i + 2 * j + 2), 16));
    if (e >= P) throw malformed(`${what}: digest element ${i} is not a canonical Goldilocks element (>= p)`);
    digest.push(e);
  }
  return digest;
}

const U128_MAX = (1n << 128n) - 1n;
const AMOUNT_LIMIT = 1n << 48n;

// An amount exactly at `decimals`, never rounded: the rules of FORMAT.md §2
// "Decimal numbers", with zkpor's limits (128-bit mantissa, 2^48 units).
export function parseUnits(text, decimals) {
  if (text === '') throw new Error('empty number');
  const bad = () => new Error(`malformed number '${text}': expected digits with an optional sign and one '.'`);
  const tooLong = () => new Error(`number '${text}' has too many digits to hold exactly`);
  let negative = false;
  let body = text;
  if (text[0] === '-' || text[0] === '+') {
    negative = text[0] === '-';
    body = text.slice(1);
  }
  const dot = body.indexOf('.');
  const intPart = dot < 0 ? body : body.slice(0, dot);
  let fracPart = dot < 0 ? '' : body.slice(dot + 1);
  const digits = (s) => /^[0-9]*$/.test(s);
  if ((intPart === '' && fracPart === '') || !digits(intPart) || !digits(fracPart)) throw bad();
  fracPart = fracPart.replace(/0+$/, '');
  let mantissa = 0n;
  for (const c of intPart + fracPart) {
    mantissa = mantissa * 10n + BigInt(c.charCodeAt(0) - 48);
    if (mantissa > U128_MAX) throw tooLong();
  }
  if (negative && mantissa !== 0n) throw new Error(`'${text}' must not be negative`);
  const scale = fracPart.length;
  if (scale > decimals) {
    throw new Error(`'${text}' has ${scale} fractional digits but this asset allows at most ${decimals}`);
  }
  if (decimals - scale > 38) throw tooLong();
  const units = mantissa * 10n ** BigInt(decimals - scale);
  if (units > U128_MAX) throw tooLong();
  if (units >= AMOUNT_LIMIT) throw new Error(`amount is ${units}, which is not below the bound 2^48`);
  return units;
}

// A strict JSON reader. JSON.parse would accept what zkpor's reader (serde_json)
// refuses: 0.0 or 1e0 for an integer, a field given twice, integers past 2^53
// (which it rounds). So integers keep their text, and objects their duplicates.
class JsonNumber {
  constructor(raw) {
    this.raw = raw;
  }
}

const MAX_DEPTH = 128; // serde_json's recursion limit
const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

export function parseJson(text) {
  let at = 0;
  const fail = (what) => {
    throw notAProof(`${what} at character ${at}`);
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at++;
  };
  const value = (depth) => {
    if (depth > MAX_DEPTH) fail('recursion limit exceeded');
    space();
    const c = text[at];
    if (c === '{') {
      at++;
      const obj = new Map();
      obj.dups = new Set();
      space();
      if (text[at] === '}') {
        at++;
        return obj;
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail('expected a key');
        const key = string();
        space();
        if (text[at++] !== ':') fail("expected ':'");
        const v = value(depth + 1);
        if (obj.has(key)) obj.dups.add(key);
        else obj.set(key, v);
        space();
        const next = text[at++];
        if (next === '}') return obj;
        if (next !== ',') fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      at++;
      const list = [];
      space();
      if (text[at] === ']') {
        at++;
        return list;
      }
      for (;;) {
        list.push(value(depth + 1));
        space();
        const next = text[at++];
        if (next === ']') return list;
        if (next !== ',') fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (m) {
      at += m[0].length;
      return new JsonNumber(m[0]);
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return v;
      }
    }
    return fail(at >= text.length ? 'unexpected end of input' : 'expected a value');
  };
  const ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  const string = () => {
    at++; // the opening quote
    let out = '';
    for (;;) {
      if (at >= text.length) fail('unterminated string');
      const c = text[at++];
      if (c === '"') return out;
      if (c < ' ') fail('control character in a string');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[at++];
      if (e in ESCAPES) out += ESCAPES[e];
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at, at + 4))) {
        out += String.fromCharCode(parseInt(text.slice(at, at + 4), 16));
        at += 4;
      } else fail('invalid escape');
    }
  };
  const doc = value(0);
  space();
  if (at < text.length) fail('trailing characters');
  return doc;
}

const describe = (v) =>
  v === null ? 'null'
  : v instanceof JsonNumber ? `number ${v.raw}`
  : Array.isArray(v) ? 'a list'
  : v instanceof Map ? 'an object'
  : typeof v === 'string' ? 'a string'
  : `${v}`;

// A struct as serde reads one: an object with every field once, or a list of
// the fields in order. Unknown fields are ignored, as zkpor ignores them.
// Optional fields (serde's Option) read as null when absent: from an object
// always, from a list only when marked `trailing` (serde's `default`), where
// the list may stop before them.
function struct(v, name, fields, where, optional = [], trailing = false) {
  const all = [...fields, ...optional];
  if (Array.isArray(v)) {
    const least = trailing ? fields.length : all.length;
    if (v.length < least || v.length > all.length) {
      throw notAProof(`invalid length ${v.length}, expected ${name}${where} with ${all.length} elements`);
    }
    return Object.fromEntries(all.map((f, i) => [f, i < v.length ? v[i] : null]));
  }
  if (!(v instanceof Map)) throw notAProof(`${describe(v)}, expected ${name}${where}`);
  return Object.fromEntries(
    all.map((f) => {
      if (v.dups.has(f)) throw notAProof(`duplicate field \`${f}\`${where}`);
      if (!v.has(f) && !optional.includes(f)) throw notAProof(`missing field \`${f}\`${where}`);
      return [f, v.has(f) ? v.get(f) : null];
    }),
  );
}

// An Option<T>: null stays null.
const maybe = (v, read) => (v === null ? null : read(v));

// Lone surrogates cannot be UTF-8, so zkpor's reader refuses them too.
function str(v, name, where) {
  if (typeof v !== 'string') throw notAProof(`field \`${name}\`${where} is ${describe(v)}, expected a string`);
  if (/(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(v)) {
    throw notAProof(`field \`${name}\`${where} is not valid Unicode`);
  }
  return v;
}

function uint(v, name, bits, where) {
  if (!(v instanceof JsonNumber) || !/^(0|[1-9][0-9]*)$/.test(v.raw) || BigInt(v.raw) >> BigInt(bits) !== 0n) {
    throw notAProof(`field \`${name}\`${where} is ${describe(v)}, expected an integer below 2^${bits}`);
  }
  return BigInt(v.raw);
}

function list(v, name) {
  if (!Array.isArray(v)) throw notAProof(`field \`${name}\` is ${describe(v)}, expected a list`);
  return v;
}

const PROOF_FIELDS = ['format', 'user_id', 'nonce', 'balances', 'leaf_index', 'siblings', 'root', 'leaf', 'id_commitment'];
const PROOF_FIELDS_V2 = ['num_assets', 'tier'];
const BALANCE_FIELDS = ['symbol', 'decimals', 'equity', 'debt'];
const TIER_FIELDS = ['index', 'capacity', 'root', 'siblings'];

// The `tier` object of a format-2 proof. `capacity` is an Option without a
// default: an object may leave it out (dense), a list must hold all four.
function tierPath(v) {
  const where = ' of tier';
  const t = Array.isArray(v)
    ? struct(v, 'a tier path', TIER_FIELDS, where)
    : struct(v, 'a tier path', TIER_FIELDS.filter((f) => f !== 'capacity'), where, ['capacity']);
  return {
    index: uint(t.index, 'index', 64, where),
    capacity: maybe(t.capacity, (c) => uint(c, 'capacity', 64, where)),
    root: str(t.root, 'root', where),
    siblings: list(t.siblings, 'siblings').map((s, i) => str(s, `siblings[${i}]`, where)),
  };
}

// The shape check of a parsed file: every field, with its type, as zkpor reads it.
function checkShape(doc) {
  const d = struct(doc, 'a user proof', PROOF_FIELDS, '', PROOF_FIELDS_V2, true);
  return {
    format: str(d.format, 'format', ''),
    user_id: str(d.user_id, 'user_id', ''),
    nonce: str(d.nonce, 'nonce', ''),
    balances: list(d.balances, 'balances').map((entry, i) => {
      const where = ` of balance ${i}`;
      const b = struct(entry, 'a balance', BALANCE_FIELDS, where, ['index'], true);
      return {
        symbol: str(b.symbol, 'symbol', where),
        decimals: Number(uint(b.decimals, 'decimals', 32, where)),
        equity: str(b.equity, 'equity', where),
        debt: str(b.debt, 'debt', where),
        index: maybe(b.index, (i) => uint(i, 'index', 32, where)),
      };
    }),
    leaf_index: uint(d.leaf_index, 'leaf_index', 64, ''),
    siblings: list(d.siblings, 'siblings').map((s, i) => str(s, `siblings[${i}]`, '')),
    root: str(d.root, 'root', ''),
    leaf: str(d.leaf, 'leaf', ''),
    id_commitment: str(d.id_commitment, 'id_commitment', ''),
    num_assets: maybe(d.num_assets, (n) => uint(n, 'num_assets', 64, '')),
    tier: maybe(d.tier, tierPath),
  };
}

// Verifies a parsed proof. publishedRoot: a digest (from digestFromHex) or
// null, in which case only the file's own root is checked. Throws VerifyError.
export function verifyProof(doc, publishedRoot = null) {
  const p = checkShape(doc);
  if (p.format === USER_PROOF_FORMAT_TIERED) return verifyTiered(p, publishedRoot);
  if (p.format !== USER_PROOF_FORMAT) {
    throw malformed(`unknown format '${p.format}', expected '${USER_PROOF_FORMAT}'`);
  }
  const id = userIdBytes(p.user_id);
  const nonce = digestFromHex('nonce', p.nonce);
  const positions = p.balances.map((b) => amounts(b));
  const leaf = leafDigest(idCommitment(nonce, id), positions);
  if (digestToHex(digestFromHex('leaf', p.leaf)) !== digestToHex(leaf)) {
    throw new VerifyError('leaf', 'the balances and nonce do not hash to the leaf in the proof');
  }
  const computed = follow(p.leaf_index, p.siblings, leaf, 'leaf');
  return verdict(p, computed, publishedRoot, 'the path', null);
}

function userIdBytes(text) {
  const id = utf8(text);
  if (id.length === 0) throw malformed('empty user id');
  if (id.length > 128) throw malformed(`user id is ${id.length} bytes, above the maximum of 128`);
  return id;
}

// [equity, debt] of one balance, exactly at its decimals.
function amounts(b) {
  try {
    return [parseUnits(b.equity, b.decimals), parseUnits(b.debt, b.decimals)];
  } catch (e) {
    throw malformed(`${b.symbol}: ${e.message}`);
  }
}

// The node `siblings` (hex) lead to from `node` at `index`; `what` names the tree.
function follow(index, siblingsHex, node, what) {
  const siblings = siblingsHex.map((s) => digestFromHex('sibling', s));
  const computed = rootFromPath(node, index, siblings);
  if (computed === null) {
    throw new VerifyError('path', `${what} index ${index} is outside a tree of depth ${siblings.length}`);
  }
  return computed;
}

// The held positions of a format-2 proof as [index, equity, debt], each
// non-zero, in strictly increasing index below A (checked in zkpor's order).
function heldPositions(balances, numAssets) {
  const held = balances.map((b) => {
    if (b.index === null) throw malformed(`${b.symbol}: a format 2 position needs its index`);
    const [e, d] = amounts(b);
    if (e === 0n && d === 0n) throw malformed(`${b.symbol}: a listed position must hold equity or debt`);
    return [b.index, e, d];
  });
  let previous = null;
  for (const [i] of held) {
    if (i >= numAssets) throw malformed(`positions: asset index ${i} is not below the ${numAssets} listed assets`);
    if (previous !== null && previous >= i) {
      throw malformed(`positions: asset index ${i} follows ${previous}: indices must strictly increase`);
    }
    previous = i;
  }
  return held;
}

// A tiered round's proof (FORMAT.md §12, "User proof (format 2)").
function verifyTiered(p, publishedRoot) {
  const { num_assets: numAssets, tier } = p;
  if (numAssets === null || tier === null) throw malformed(`a ${USER_PROOF_FORMAT_TIERED} proof needs num_assets and tier`);
  if (numAssets === 0n || numAssets > MAX_ASSETS) {
    throw malformed(`num_assets ${numAssets} is not between 1 and ${MAX_ASSETS}`);
  }
  if (tier.capacity !== null && (tier.capacity === 0n || tier.capacity > numAssets)) {
    throw malformed(`tier capacity ${tier.capacity} is not between 1 and num_assets ${numAssets}`);
  }
  const id = userIdBytes(p.user_id);
  const nonce = digestFromHex('nonce', p.nonce);
  const held = heldPositions(p.balances, numAssets);
  if (tier.capacity !== null && BigInt(held.length) > tier.capacity) {
    throw malformed(`positions: ${held.length} held positions do not fit a tier of capacity ${tier.capacity}`);
  }
  const idc = idCommitment(nonce, id);
  const leaf = tier.capacity === null ? denseLeafDigest(idc, held, numAssets) : sparseLeafDigest(idc, held, numAssets, tier.capacity);
  if (digestToHex(digestFromHex('leaf', p.leaf)) !== digestToHex(leaf)) {
    throw new VerifyError('leaf', 'the positions and nonce do not hash to the leaf in the proof');
  }
  const tierRoot = follow(p.leaf_index, p.siblings, leaf, 'leaf');
  if (digestToHex(tierRoot) !== digestToHex(digestFromHex('tier root', tier.root))) {
    throw new VerifyError('path', `the path leads to tier root ${digestToHex(tierRoot)}, not to the proof's tier root ${tier.root}`);
  }
  const computed = follow(tier.index, tier.siblings, tierRoot, 'tier');
  return verdict(p, computed, publishedRoot, 'the tier path', { index: tier.index, capacity: tier.capacity });
}

// The verdict once the path reached `computed`: it must be the file's root
// and, when given, the published one. `path` names the path in messages.
function verdict(p, computed, publishedRoot, path, tier) {
  const computedHex = digestToHex(computed);
  const claimed = digestToHex(digestFromHex('root', p.root));
  if (computedHex !== claimed) {
    throw new VerifyError('path', `${path} leads to root ${computedHex}, not to the proof's root ${claimed}`);
  }
  if (publishedRoot !== null && digestToHex(publishedRoot) !== computedHex) {
    throw new VerifyError(
      'path',
      `the path leads to root ${computedHex}, not to the published root ${digestToHex(publishedRoot)}`,
    );
  }
  return {
    valid: true,
    userId: p.user_id,
    leafIndex: p.leaf_index,
    root: computedHex,
    rootChecked: publishedRoot !== null,
    balances: p.balances,
    tier,
  };
}

// Verifies the bytes of a proof file (a Uint8Array); never throws. The verdict
// is {valid: true, ...} or {valid: false, kind, message, userId?}.
export function verifyProofBytes(bytes, publishedRoot = null, fileName = 'the file') {
  let text;
  try {
    // Strict, and a byte-order mark kept, so it is refused as zkpor refuses it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { valid: false, kind: 'malformed', message: `${fileName}: not a user proof: invalid UTF-8` };
  }
  return verifyProofText(text, publishedRoot, fileName);
}

// Verifies the text of a proof file; never throws.
export function verifyProofText(text, publishedRoot = null, fileName = 'the file') {
  let doc = null;
  try {
    doc = parseJson(text);
    return verifyProof(doc, publishedRoot);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    const id = doc instanceof Map ? doc.get('user_id') : undefined;
    const message = e.shape ? `${fileName}: not a user proof: ${e.message}` : e.message;
    return { valid: false, kind: e.kind, message, userId: typeof id === 'string' ? id : undefined };
  }
}

const isZero = (s) => /^[0.]*$/.test(s);

// " of tier T (capacity K)" for a tiered round's leaf; nothing for format 1.
export function tierWords(tier) {
  if (!tier) return '';
  return ` of tier ${tier.index} (${tier.capacity === null ? 'dense' : `capacity ${tier.capacity}`})`;
}

// The verdict as `zkpor verify-user` prints it, line by line.
export function verdictLines(verdict) {
  if (!verdict.valid) return [`INVALID: verification failed: ${verdict.message}`];
  const lines = [`VALID: user ${verdict.userId} is included at leaf ${verdict.leafIndex}${tierWords(verdict.tier)} of root ${verdict.root}`];
  for (const b of verdict.balances) {
    if (isZero(b.equity) && isZero(b.debt)) continue;
    lines.push(`  ${b.symbol.padEnd(8)} equity ${b.equity.padStart(22)}  debt ${b.debt.padStart(22)}`);
  }
  if (!verdict.rootChecked) {
    lines.push('note: compare this root with the one the exchange published, or pass it with --root');
  }
  return lines;
}
