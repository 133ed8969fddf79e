#!/usr/bin/env node
// The command-line twin of index.html: same verifier module, same verdict
// text and exit codes as `zkpor verify-user` (0 valid, 8 invalid, 2 usage, 6 I/O).
//   node web/verify.mjs PROOF.json [--root HEX] [--json]

import { readFileSync } from 'node:fs';
import { digestFromHex, verdictLines, verifyProofBytes } from './verifier.mjs';

const USAGE = 'usage: node web/verify.mjs PROOF.json [--root HEX] [--json]';

function usage(message) {
  process.stderr.write(`error: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let file = null;
let rootText = null;
let json = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--root') {
    if (i + 1 >= args.length) usage('--root needs a value');
    rootText = args[++i];
  } else if (a.startsWith('--root=')) {
    rootText = a.slice('--root='.length);
  } else if (a === '--json') {
    json = true;
  } else if (a === '-h' || a === '--help') {
    process.stdout.write(`${USAGE}\nExits 0 when the proof holds, 8 when it does not.\n`);
    process.exit(0);
  } else if (a.startsWith('-') && a !== '-') {
    usage(`unknown option ${a}`);
  } else if (file === null) {
    file = a;
  } else {
    usage(`unexpected argument ${a}`);
  }
}
if (file === null) usage('no proof file given');

let root = null;
if (rootText !== null) {
  try {
    root = digestFromHex('--root', rootText);
  } catch (e) {
    usage(e.message);
  }
}

let bytes;
try {
  bytes = readFileSync(file === '-' ? 0 : file);
} catch (e) {
  process.stderr.write(`error: cannot read ${file}: ${e.message}\n`);
  process.exit(6);
}

const verdict = verifyProofBytes(bytes, root, file);
if (json) {
  const out = verdict.valid
    ? { valid: true, user_id: verdict.userId, leaf_index: verdict.leafIndex, root: verdict.root, root_checked_against_published: verdict.rootChecked, ...(verdict.tier ? { tier: verdict.tier } : {}) }
    : { valid: false, user_id: verdict.userId ?? null, error: `verification failed: ${verdict.message}` };
  // The leaf and tier indices are u64s (BigInts here): written as bare integers, like zkpor's.
  const json = JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? `#u64#${v}` : v)).replace(/"#u64#(\d+)"/g, '$1');
  process.stdout.write(`${json}\n`);
} else {
  process.stdout.write(verdictLines(verdict).join('\n') + '\n');
}
// zkpor also reports a failed check on stderr, as an error.
if (!verdict.valid) process.stderr.write(`error: verification failed: ${verdict.message}\n`);
process.exit(verdict.valid ? 0 : 8);
