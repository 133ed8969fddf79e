// index.html is the rendered template, and the page's code asks the network
// for nothing but summary.json.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { renderPage } from '../build-page.mjs';
import { WEB } from '../test-support.mjs';

const page = readFileSync(join(WEB, 'index.html'), 'utf8');

test('web/index.html is up to date with its template and modules', () => {
  assert.ok(page === renderPage(), 'web/index.html is stale: run node web/build-page.mjs');
});

test('the page loads nothing and sends nothing but the optional summary.json', () => {
  // No external resources of any kind...
  assert.doesNotMatch(page, /\b(src|href)\s*=\s*["'](?!#)/i);
  assert.doesNotMatch(page, /https?:\/\//i);
  assert.doesNotMatch(page, /\b(XMLHttpRequest|WebSocket|EventSource|sendBeacon|importScripts|navigator\.sendBeacon)\b/);
  // ...and exactly one fetch, of summary.json.
  const fetches = [...page.matchAll(/\bfetch\(([^,)]*)/g)].map((m) => m[1].trim());
  assert.deepEqual(fetches, ["'summary.json'"]);
  // The CSP forbids everything else, even if the code above were wrong.
  assert.match(page, /default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; connect-src 'self';/);
});

test('every form control has a label', () => {
  for (const [, id] of page.matchAll(/<input[^>]*\bid="([^"]+)"/g)) {
    assert.match(page, new RegExp(`<label for="${id}">`), `input #${id} has no label`);
  }
});
