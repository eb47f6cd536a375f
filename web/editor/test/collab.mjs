// Two-person collaboration checks for Weft's editor, run by e2e.mjs against
// whichever server it drives (a Weft server through WEFT_URL, or the dev
// server): deterministic screenshots for the README, interleaved typing at
// overlapping positions in rich and plain text (converging, equal to the
// REST snapshot, each author's keystrokes exactly once and in order), remote
// cursors with names, offline edits arriving exactly once, and the history
// view showing an earlier version.
//
// It runs in every browser driver.mjs drives (Chromium and Firefox). Every
// wait is on a DOM state or a page condition, bounded by driver.mjs's
// TIMEOUT; nothing sleeps to synchronise.
import {join} from 'node:path';
import {attr, click, clickButton, fill, newWindow, press, stillShot, tid, until, waitText} from './driver.mjs';

const ALICE = {name: 'Alice Otter', color: '#0090ff'};
const BOB = {name: 'Bob Heron', color: '#d6409f'};

// canon serialises rich-text ops with sorted attribute keys.
const canon = (ops) => JSON.stringify(ops, (k, v) => (v && typeof v === 'object' && !Array.isArray(v) ?
  Object.fromEntries(Object.entries(v).sort()) : v));
const textOf = (ops) => ops.map((o) => (typeof o.insert === 'string' ? o.insert : '')).join('');

// only keeps the code points of s that are in alphabet (a string).
const only = (s, alphabet) => [...s].filter((c) => [...alphabet].includes(c)).join('');

async function getJSON(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

// freeId returns id if that document does not exist on the server yet, else
// id with a random suffix (a server that outlives one run).
async function freeId(base, id) {
  const res = await fetch(`${base}/api/v1/docs/docs/${id}`);
  await res.arrayBuffer();
  return res.status === 404 ? id : `${id}-${Math.random().toString(36).slice(2, 8)}`;
}

// settled waits until both pages have no unsent ops and the same version.
async function settled(a, b) {
  for (const p of [a, b]) {
    await p.page.waitForSelector('[data-testid=connection-status][data-state=connected][data-unsent="0"]');
    await until(p.page, () => !window.weft.doc.hasWritePending());
  }
  for (const [x, y] of [[a, b], [b, a]]) {
    const v = await y.page.evaluate(() => window.weft.doc.version);
    await until(x.page, (v) => window.weft.doc.version >= v, v);
  }
  const [va, vb] = await Promise.all([a, b].map((p) => p.page.evaluate(() => window.weft.doc.version)));
  return va === vb ? va : -1;
}

// createVia creates a document from the page's "doc missing" notice.
async function createVia(p, url, button) {
  await p.page.goto(url);
  await p.page.waitForSelector('[data-testid=doc-missing]');
  await clickButton(p.page, button);
  await p.page.waitForSelector('[data-testid=editor][data-ready=true]');
}

// interleave types a[i] in page x and b[i] in page y alternately, each key
// sent without waiting for the other page to see the previous one.
async function interleave(x, y, a, b) {
  const xa = [...a];
  const yb = [...b];
  for (let i = 0; i < Math.max(xa.length, yb.length); i++) {
    if (i < xa.length) await x.page.keyboard.type(xa[i]);
    if (i < yb.length) await y.page.keyboard.type(yb[i]);
  }
}

// pinFlags keeps the rich-text remote cursor name flags shown (they
// otherwise fade a few seconds after a move) for a screenshot.
export const pinFlags = (page) => page.evaluate(() => {
  for (const t of window.weft.editor.flagTimers?.values() || []) clearTimeout(t);
  for (const el of document.querySelectorAll('.ql-cursor-caret-container')) el.classList.add('hover');
});

// sideBySide writes one image of two page screenshots with captions.
async function sideBySide(browser, path, left, right) {
  const ctx = await browser.createBrowserContext();
  const page = await newWindow(ctx);
  await page.setViewport({width: 1940, height: 700});
  const img = (png, caption) => `<figure><figcaption>${caption}</figcaption>` +
    `<img src="data:image/png;base64,${png.toString('base64')}"></figure>`;
  await page.setContent('<style>body{margin:0;display:flex;gap:20px;padding:10px;background:#e8eaef;' +
    'font:600 15px system-ui,sans-serif}figure{margin:0}figcaption{margin:0 0 6px 4px;color:#333}' +
    'img{display:block;width:950px;border-radius:6px;box-shadow:0 1px 4px #0003}</style>' +
    img(left.png, left.caption) + img(right.png, right.caption));
  await until(page, () => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
  await page.screenshot({path, fullPage: true});
  await ctx.close();
}

// edit runs fn in the page as the user's edit (one op) and waits for the
// server's ack, so every run stores the same ops and versions.
async function edit(p, fn, arg) {
  await p.page.evaluate(fn, arg);
  await until(p.page, () => !window.weft.doc.hasWritePending());
}

// screenshots builds a small deterministic workspace (fixed ids, names,
// colours, content and op counts) and captures the home page and a
// two-person session into docsShots. It keeps to Latin text: the test
// machine may lack emoji and CJK fonts.
async function screenshots({browser, base, open, docsShots}, alice, bob) {
  const rich = await freeId(base, 'release-plan');
  const plain = await freeId(base, 'shopping-list');
  await createVia(alice, `${base}/d/docs/${plain}`, 'Create plain-text document');
  await edit(alice, () => window.weft.view.dispatch({changes: {from: 0,
    insert: 'Shopping list\n- oat milk\n- tofu\n- lemons, crème fraîche'}}));

  await createVia(alice, `${base}/d/docs/${rich}`, 'Create rich-text document');
  await edit(alice, () => window.weft.quill.insertText(0,
    'Release plan\nShip the Go server first, then the editor. Both speak the same protocol.', 'user'));
  await edit(alice, () => window.weft.quill.formatLine(0, 1, 'header', 1, 'user'));

  await bob.page.goto(`${base}/d/docs/${rich}`);
  await bob.page.waitForSelector('[data-testid=editor][data-ready=true]');
  await until(bob.page, () => window.weft.quill.getText().includes('same protocol.'));
  await edit(bob, () => {
    const q = window.weft.quill;
    q.insertText(q.getLength() - 1, '\nBob: I will write the release notes.', 'user');
    q.setSelection(q.getLength() - 1, 0, 'user');
  });
  await until(alice.page, () => window.weft.quill.getText().includes('release notes.'));
  // Alice selects "Go server"; Bob's caret is at the end of his line.
  await alice.page.evaluate(() => {
    const q = window.weft.quill;
    q.setSelection(q.getText().indexOf('Go server'), 'Go server'.length, 'user');
  });
  await waitText(alice.page, '.ql-cursor:not(.hidden) [data-testid=remote-cursor-name]', 'Bob Heron');
  await until(bob.page, () => document.querySelector('.ql-cursor:not(.hidden) .ql-cursor-selections') &&
    window.weft.presence.remotePresences && Object.values(window.weft.presence.remotePresences).some((v) => v?.length === 9));
  for (const p of [alice, bob]) {
    await p.page.waitForSelector('[data-testid=presence-list][data-count="2"]');
    await pinFlags(p.page);
    await p.page.mouse.move(1270, 790); // no hover effects in the picture
  }
  const shot = (p) => stillShot(p.page);
  await sideBySide(browser, join(docsShots, 'editing-session.png'),
    {png: await shot(alice), caption: 'Alice Otter'}, {png: await shot(bob), caption: 'Bob Heron'});

  const home = await open('Carol Wren', `${base}/`, {color: '#30a46c'});
  await home.page.waitForSelector(`[data-testid=doc-row][data-id="${rich}"][data-type=rich-text]`);
  await home.page.waitForSelector(`[data-testid=doc-row][data-id="${plain}"][data-type=text-unicode]`);
  await home.page.waitForSelector('[data-testid=connection-status][data-state=connected]');
  await home.page.mouse.move(1270, 790);
  await stillShot(home.page, join(docsShots, 'home.png'));
  await home.ctx.close();
}

async function richText(t, alice, bob) {
  const {base, check} = t;
  const id = await freeId(base, 'interleaved-rich');
  await createVia(alice, `${base}/d/docs/${id}`, 'Create rich-text document');
  await click(alice.page, '.ql-editor');
  await alice.page.keyboard.type('Agenda: ');
  // Wait until the typed text is in the document and acknowledged: the
  // unsent count alone can read 0 before the editor has submitted the keys.
  await until(alice.page, () => window.weft.doc.data && window.weft.doc.version > 1 &&
    !window.weft.doc.hasWritePending() &&
    window.weft.doc.data.ops.map((o) => (typeof o.insert === 'string' ? o.insert : '')).join('').startsWith('Agenda: '));
  const early = {v: await alice.page.evaluate(() => window.weft.doc.version),
    text: await alice.page.evaluate(() => window.weft.quill.getText())};
  await bob.page.goto(`${base}/d/docs/${id}`);
  await bob.page.waitForSelector('[data-testid=editor][data-ready=true]');
  await until(bob.page, () => window.weft.quill.getText().startsWith('Agenda: '));
  // Both carets at the same place: the end of the line.
  await click(bob.page, '.ql-editor');
  await press(bob.page, 'End');
  await press(alice.page, 'End');
  const A = 'alpha beta gamma delta ';
  const B = 'ONE TWO THREE FOUR FIVE ';
  await interleave(alice, bob, A, B);
  await settled(alice, bob);
  const typed = (await alice.page.evaluate(() => window.weft.quill.getText())).slice('Agenda: '.length);
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  check(only(typed, lower) === only(A, lower) && only(typed, upper) === only(B, upper),
    `rich text: each person's keystrokes appear once, in order (${JSON.stringify(typed.trim())})`);
  // Overlapping deletions from both carets, then more typing.
  for (const p of [alice, bob]) {
    for (let i = 0; i < 4; i++) await press(p.page, 'Shift+ArrowLeft');
  }
  await Promise.all([press(alice.page, 'Backspace'), press(bob.page, 'Backspace')]);
  await interleave(alice, bob, 'omega', 'SIX');
  const v = await settled(alice, bob);
  check(v > 0, `rich text: both pages at one version (${v})`);
  const [da, db] = await Promise.all([alice, bob].map((p) => p.page.evaluate(() =>
    ({data: window.weft.doc.data.ops, shown: window.weft.quill.getContents().ops}))));
  const rest = await getJSON(`${base}/api/v1/docs/docs/${id}`);
  check(canon(da.data) === canon(db.data), `rich text: interleaved typing and deletes converge (${JSON.stringify(textOf(da.data).trim())})`);
  check(canon(da.data) === canon(da.shown) && canon(db.data) === canon(db.shown), 'rich text: each Quill shows doc.data');
  check(rest.v === v && canon(rest.data.ops) === canon(da.data),
    `rich text: REST snapshot equals both pages (v ${rest.v})`);

  // Each page shows the other's cursor with its name.
  await waitText(alice.page, '.ql-cursor:not(.hidden) [data-testid=remote-cursor-name]', 'Bob Heron');
  await waitText(bob.page, '.ql-cursor:not(.hidden) [data-testid=remote-cursor-name]', 'Alice Otter');
  const carets = await Promise.all([alice, bob].map(async (p) => (await p.page.$('.ql-cursor:not(.hidden) .ql-cursor-caret'))?.boundingBox()));
  check(carets.every((b) => b && b.height > 0), 'rich text: each page shows the other\'s named cursor');

  await offline(t, alice, bob, id);

  // History: the preview of an early version shows that version's content.
  await click(alice.page, tid('history-toggle'));
  await fill(alice.page, tid('history-slider'), String(early.v));
  await alice.page.waitForSelector(`[data-testid=history-preview][data-version="${early.v}"][data-loaded=true]`);
  const shown = await alice.page.$eval('[data-testid=history-preview] .ql-editor', (e) => e.innerText);
  const restEarly = await getJSON(`${base}/api/v1/docs/docs/${id}?v=${early.v}`);
  check(shown.trim() === early.text.trim() && textOf(restEarly.data.ops) === early.text,
    `history shows version ${early.v}: ${JSON.stringify(shown.trim())}`);
  await click(alice.page, tid('history-live'));
  await alice.page.waitForSelector('[data-testid=editor][data-ready=true]', {visible: true});
  return id;
}

// offline cuts Alice's network (the browser's offline mode), has both
// edit, restores it, and checks that her edits reach Bob exactly once.
async function offline({base, check, setOffline}, alice, bob, id) {
  await press(alice.page, 'Control+End');
  // The first key may still be in flight when the network drops: its resend
  // after reconnecting must not apply twice.
  await alice.page.keyboard.type(' [a');
  await setOffline(alice, true);
  await alice.page.waitForSelector('[data-testid=connection-status][data-state=offline]');
  await alice.page.keyboard.type('way]');
  await press(bob.page, 'Control+Home');
  await bob.page.keyboard.type('(bob online) ');
  await bob.page.waitForSelector('[data-testid=connection-status][data-unsent="0"]');
  await until(bob.page, () => !window.weft.doc.hasWritePending());
  // Her page shows the keys, still offline, with them unsent.
  await until(alice.page, () => window.weft.quill.getText().includes('way]') &&
    document.querySelector('[data-testid=connection-status][data-state=offline]:not([data-unsent="0"])'));
  const queued = Number(await attr(alice.page, tid('connection-status'), 'data-unsent'));
  const bobSaw = await bob.page.evaluate(() => window.weft.quill.getText());
  check(!bobSaw.includes('way]'), `offline: Alice's edits queue (${queued} unsent) and do not reach Bob`);
  await setOffline(alice, false);
  await until(bob.page, () => window.weft.quill.getText().includes('way]'));
  const v = await settled(alice, bob);
  const texts = await Promise.all([alice, bob].map((p) => p.page.evaluate(() => window.weft.quill.getText())));
  const rest = await (await fetch(`${base}/api/v1/docs/docs/${id}?format=text`)).text();
  const count = (s, sub) => s.split(sub).length - 1;
  check(texts[0] === texts[1] && texts[1] === rest, `offline: pages and REST agree after reconnect (v ${v})`);
  check(count(texts[1], ' [away]') === 1 && count(texts[1], '(bob online) ') === 1,
    `offline: Alice's offline edits arrive exactly once (${JSON.stringify(texts[1].trim())})`);
}

async function plainText({base, check}, alice, bob) {
  const id = await freeId(base, 'interleaved-plain');
  await createVia(alice, `${base}/d/docs/${id}`, 'Create plain-text document');
  await click(alice.page, '.cm-content');
  await alice.page.keyboard.type('メモ: ');
  await alice.page.waitForSelector('[data-testid=connection-status][data-unsent="0"]');
  await bob.page.goto(`${base}/d/docs/${id}`);
  await bob.page.waitForSelector('[data-testid=editor][data-ready=true][data-type=text-unicode]');
  await until(bob.page, () => window.weft.doc.data === 'メモ: ');
  await click(bob.page, '.cm-content');
  await press(bob.page, 'Control+End');
  await press(alice.page, 'Control+End');
  const A = '中文字😀春🎉夏👩‍👩‍👧秋';
  const B = '한국어🚀λ✓𝔸é';
  await interleave(alice, bob, A, B);
  const v = await settled(alice, bob);
  const [ta, tb] = await Promise.all([alice, bob].map((p) => p.page.evaluate(() =>
    [window.weft.doc.data, window.weft.view.state.doc.toString()])));
  const rest = await getJSON(`${base}/api/v1/docs/docs/${id}`);
  check(ta[0] === tb[0] && ta[0] === ta[1] && tb[0] === tb[1], 'plain text: interleaved emoji/CJK typing converges, CodeMirror == doc.data');
  check(rest.v === v && rest.data === ta[0], `plain text: REST snapshot equals both pages (v ${rest.v})`);
  check(only(ta[0], A) === only(A, A) && only(ta[0], B) === only(B, B) && [...ta[0]].length === [...'メモ: ' + A + B].length,
    `plain text: each person's code points appear once, in order (${JSON.stringify(ta[0])})`);
  await waitText(alice.page, '.cm-remote-name', 'Bob Heron');
  await waitText(bob.page, '.cm-remote-name', 'Alice Otter');
  check(true, 'plain text: each page shows the other\'s named cursor');
  return id;
}

// collab runs every check above with two fresh people and returns the ids
// of the rich-text and plain-text documents they wrote. t: {browser, base,
// check, open(name, url, {color}), setOffline(person, bool), docsShots}
// (driver.mjs's launch result plus the suite's check, base and docsShots).
export async function collab(t) {
  const alice = await t.open(ALICE.name, `${t.base}/`, {color: ALICE.color});
  const bob = await t.open(BOB.name, `${t.base}/`, {color: BOB.color});
  await screenshots(t, alice, bob);
  const rich = await richText(t, alice, bob);
  const plain = await plainText(t, alice, bob);
  await alice.ctx.close();
  await bob.ctx.close();
  return {rich, plain};
}
