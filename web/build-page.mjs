#!/usr/bin/env node
// Renders index.html: page.template.html with app.mjs and the modules it
// imports inlined into one script. Browsers refuse to import modules from
// file:// pages, and a customer may open the page saved to disk, so the page
// must be one self-contained file. The modules stay the source: node runs
// them directly, and web/test/page.test.mjs fails when index.html is stale.
//   node web/build-page.mjs           rewrite web/index.html
//   node web/build-page.mjs --check   exit 1 if it is out of date

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const IMPORT = /^import\s*\{([^}]*)\}\s*from\s*'\.\/([\w.-]+\.mjs)';[ \t]*\n/gm;

// Depth first, so every module comes after the ones it imports.
function collect(name, seen, out) {
  if (seen.has(name)) return;
  seen.add(name);
  const source = readFileSync(join(here, name), 'utf8');
  for (const [, names, dep] of source.matchAll(IMPORT)) {
    if (/\bas\b/.test(names)) throw new Error(`${name}: renamed imports cannot be inlined`);
    collect(dep, seen, out);
  }
  if (/^\s*import\b/m.test(source.replace(IMPORT, ''))) throw new Error(`${name}: only "import { ... } from './x.mjs';" can be inlined`);
  out.push({ name, source });
}

// One script shares one scope, so two modules must not declare the same top-level name.
function checkNames(modules) {
  const owner = new Map();
  for (const { name, source } of modules) {
    for (const [, id] of source.matchAll(/^(?:export\s+)?(?:async\s+)?(?:function\*?|const|let|var|class)\s+([\w$]+)/gm)) {
      if (owner.has(id)) throw new Error(`${id} is declared in both ${owner.get(id)} and ${name}`);
      owner.set(id, name);
    }
  }
}

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export function renderPage() {
  const modules = [];
  collect('app.mjs', new Set(), modules);
  checkNames(modules);
  const script = modules
    .map(({ name, source }) => `// ---- ${name} ----\n${source.replace(IMPORT, '').replace(/^export\s+/gm, '')}`)
    .join('\n');
  const template = readFileSync(join(here, 'page.template.html'), 'utf8');
  const style = template.match(/<style>([\s\S]*?)<\/style>/)[1];
  // The CSP admits exactly this script, so the whole inline text is hashed.
  const inline = `\n${script}\n`;
  return template
    .replace('{{STYLE_HASH}}', sha256(style))
    .replace('{{SCRIPT_HASH}}', sha256(inline))
    .replace('<script type="module">\n{{SCRIPT}}\n</script>', () => `<script type="module">${inline}</script>`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const page = renderPage();
  const target = join(here, 'index.html');
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {}
    if (current !== page) {
      process.stderr.write('web/index.html is out of date: run node web/build-page.mjs\n');
      process.exit(1);
    }
  } else {
    writeFileSync(target, page);
  }
}
