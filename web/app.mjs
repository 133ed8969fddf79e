// The page's glue: reads the chosen or dropped file, runs the verifier and
// shows the verdict. Everything stays in this tab; the one request it makes
// is for summary.json beside the page, to prefill the root.

import { digestFromHex, tierWords, verdictLines, verifyProofBytes } from './verifier.mjs';

const $ = (id) => document.getElementById(id);

const REASONS = {
  malformed: 'The file is not a well-formed zkpor user proof.',
  leaf: 'The leaf differs from the balances: your id, nonce and balances do not hash to the leaf in the file.',
  path: 'The path does not reach the root: your leaf is not part of the tree with this root.',
};

let proof = null; // { name, bytes } of the chosen file

function setStatus(id, text, isError = false) {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle('error', isError);
}

// null when the field is empty; undefined (and a message) when it is not a digest.
function readRoot() {
  const input = $('root');
  const text = input.value.trim().toLowerCase();
  input.removeAttribute('aria-invalid');
  if (text === '') return null;
  try {
    const root = digestFromHex('published root', text);
    setStatus('root-status', $('root-status').dataset.source ?? '');
    return root;
  } catch (e) {
    input.setAttribute('aria-invalid', 'true');
    setStatus('root-status', `${e.message}.`, true);
    return undefined;
  }
}

// A tiered round (format 2) lists only the assets a user holds.
function tieredReason(verdict) {
  const { index, capacity } = verdict.tier;
  const tier = capacity === null ? `tier ${index}, which holds users of any number of assets` : `tier ${index}, which holds users with at most ${capacity} assets`;
  return `Your balances are included at leaf ${verdict.leafIndex} of ${tier}, under the root shown below. The table lists the assets you hold; every other asset is committed as zero.`;
}

function show(verdict) {
  const result = $('result');
  result.hidden = false;
  result.classList.toggle('valid', verdict.valid);
  result.classList.toggle('invalid', !verdict.valid);
  $('verdict').textContent = verdict.valid ? 'VALID' : 'INVALID';
  $('verdict-text').textContent = verdictLines(verdict).join('\n');
  const warning = $('warning');
  if (verdict.valid) {
    $('reason').textContent = verdict.tier ? tieredReason(verdict) : `Your balances are included at leaf ${verdict.leafIndex} of the tree whose root is shown below.`;
    warning.hidden = verdict.rootChecked;
    warning.textContent = 'No published root was entered, so this only shows the file is consistent with its own root. Enter the root the exchange published to finish the check.';
    $('fact-user').textContent = verdict.userId;
    $('fact-index').textContent = `${verdict.leafIndex}${tierWords(verdict.tier)}`;
    $('fact-root').textContent = verdict.root;
    const body = $('balances').tBodies[0];
    body.replaceChildren(
      ...verdict.balances.map((b) => {
        const row = document.createElement('tr');
        if (/^[0.]*$/.test(b.equity) && /^[0.]*$/.test(b.debt)) row.className = 'zero';
        for (const [text, header] of [[b.symbol, true], [b.equity], [b.debt]]) {
          const cell = document.createElement(header ? 'th' : 'td');
          if (header) cell.scope = 'row';
          cell.textContent = text;
          row.append(cell);
        }
        return row;
      }),
    );
  } else {
    $('reason').textContent = REASONS[verdict.kind];
    warning.hidden = true;
  }
  $('detail').hidden = verdict.valid;
  $('detail').textContent = verdict.valid ? '' : verdict.message;
  $('facts').hidden = !verdict.valid;
  $('balances-wrap').hidden = !verdict.valid;
  $('verdict').focus();
}

function run() {
  const root = readRoot();
  if (proof === null) {
    setStatus('proof-status', 'Choose your proof file first.', true);
    $('proof-file').focus();
    return;
  }
  if (root === undefined) {
    $('root').focus();
    return;
  }
  show(verifyProofBytes(proof.bytes, root, proof.name));
}

async function load(file) {
  try {
    proof = { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
    setStatus('proof-status', `Selected ${file.name} (${file.size} bytes).`);
  } catch (e) {
    proof = null;
    setStatus('proof-status', `Cannot read ${file.name}: ${e.message}`, true);
    return;
  }
  if ($('root').value.trim() !== '') run();
}

$('proof-file').addEventListener('change', (e) => {
  const file = e.target.files?.[0];
  if (file) load(file);
});

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  run();
});

// A file dropped anywhere is taken, so the browser never navigates away to show it.
const drop = $('drop');
for (const type of ['dragenter', 'dragover']) {
  document.addEventListener(type, (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
}
document.addEventListener('dragleave', (e) => {
  if (e.relatedTarget === null) drop.classList.remove('over');
});
document.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer?.files?.[0];
  if (file) load(file);
});

// Prefill the root from summary.json when the exchange hosts it beside the
// page; opened from disk there is nothing to fetch, and that is fine.
async function prefill() {
  if (!/^https?:$/.test(location.protocol)) return;
  try {
    const response = await fetch('summary.json', { cache: 'no-store', credentials: 'omit', redirect: 'error' });
    if (!response.ok) return;
    const summary = await response.json();
    if (typeof summary?.root !== 'string' || $('root').value.trim() !== '') return;
    digestFromHex('root', summary.root);
    $('root').value = summary.root;
    const source = 'Filled in from summary.json beside this page. Compare it with the root the exchange announced.';
    $('root-status').dataset.source = source;
    setStatus('root-status', source);
  } catch {
    // No summary.json, or not one of ours: the customer pastes the root.
  }
}
prefill();
