// End-to-end check of Weft's editor in headless Chromium.
// Usage: node test/e2e.mjs [shotsDir]
// With WEFT_URL=http://host:port it drives that Weft server (as
// cmd/server's TestEditorInChromium does); without it, it starts the dev
// server (reference ShareDB behind it; needs `make deps-node`). Needs
// /usr/bin/chromium (or CHROMIUM=path). WEFT_DOCS_SCREENSHOTS=dir writes the
// README's screenshots (home.png, editing-session.png) there instead of into
// shotsDir. WEFT_OUTAGE_URL: an endpoint where POST ?down=1 cuts every
// connection to the server and refuses new ones, ?down=0 ends that. Prints one `ok`/`FAIL` line per check and exits non-zero on any
// failure.
import {spawn} from 'node:child_process';
import {createInterface} from 'node:readline';
import {mkdtempSync, mkdirSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';
import {collab, pinFlags} from './collab.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const shots = process.argv[2] || mkdtempSync(join(tmpdir(), 'weft-shots-'));
mkdirSync(shots, {recursive: true});
const docsShots = process.env.WEFT_DOCS_SCREENSHOTS || shots;
mkdirSync(docsShots, {recursive: true});
let failures = 0;
let passes = 0;
function check(cond, what) {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (cond) passes++;
  else failures++;
}

// WEFT_URL (e.g. http://127.0.0.1:8080) points the script at a running Weft
// server; without it the dev server is started here.
let dev = null;
let base = process.env.WEFT_URL?.replace(/\/+$/, '');
if (!base) {
  dev = spawn(process.execPath, [join(here, '../devserver.mjs'), '--port', '0'], {stdio: ['ignore', 'pipe', 'inherit']});
  const port = await new Promise((resolve) => createInterface({input: dev.stdout}).once('line', (l) => resolve(Number(l.split(' ')[1]))));
  base = `http://127.0.0.1:${port}`;
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

// open starts a person's browser context (own storage) at url; color fixes
// their cursor colour (otherwise picked at random by the page).
async function open(name, url, {viewport = {width: 1280, height: 800}, color} = {}) {
  const ctx = await browser.newContext({viewport});
  if (color) await ctx.addInitScript((c) => localStorage.setItem('weft.color', c), color);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => check(false, `${name}: page error ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.log(`  [${name} console] ${m.text()}`));
  await page.goto(url + (url.includes('?') ? '&' : '?') + 'name=' + encodeURIComponent(name));
  return {ctx, page};
}
const status = (page) => page.getByTestId('connection-status');

// sameVersion waits until both pages, with no write pending, hold the
// document's head. Neither has anything unacknowledged, so the head is the
// larger of their versions (the last ack either received); the other page
// reaches it once the remaining ops are delivered.
async function sameVersion(a, b) {
  const vs = await Promise.all([a, b].map((p) => p.page.evaluate(() => window.weft.doc.version)));
  const head = Math.max(...vs);
  for (const p of [a, b]) await p.page.waitForFunction((v) => window.weft.doc.version === v, head);
}
const waitState = (page, state) => page.waitForSelector(`[data-testid=connection-status][data-state=${state}]`);

try {
  // Two-person collaboration checks and the README's screenshots, first,
  // while the server holds only what they create.
  await collab({browser, base, check, open, docsShots});

  // Home page and creating a rich-text document.
  const a = await open('Alice Otter', base + '/');
  await waitState(a.page, 'connected');
  await a.page.screenshot({path: join(shots, 'home-empty.png')});
  await a.page.getByTestId('new-rich-text').click();
  await a.page.waitForSelector('[data-testid=editor][data-ready=true]');
  const docURL = a.page.url().split('?')[0];
  check(/\/d\/docs\/[a-z0-9]{10}$/.test(docURL), `new doc URL ${docURL}`);
  await a.page.locator('.ql-editor').click();
  await a.page.keyboard.type('Release plan');
  await a.page.keyboard.press('Enter');
  await a.page.keyboard.type('Ship the Go server, then the editor. Emoji ok 🎉.');
  await a.page.locator('.ql-editor p').first().click();
  await a.page.locator('.ql-header .ql-picker-label').click();
  await a.page.locator('.ql-header .ql-picker-item[data-value="1"]').click();

  // A second person joins.
  const b = await open('Bob Heron', docURL);
  await b.page.waitForSelector('[data-testid=editor][data-ready=true]');
  await b.page.waitForFunction(() => window.weft.doc.data.ops.map((o) => o.insert).join('').includes('Emoji ok'));
  check(await b.page.locator('.ql-editor h1').textContent() === 'Release plan', 'heading reaches Bob');
  await b.page.locator('.ql-editor p').last().click();
  await b.page.keyboard.press('End');
  await b.page.keyboard.type(' Bob was here.');
  await a.page.waitForFunction(() => document.querySelector('.ql-editor').textContent.includes('Bob was here.'));
  await a.page.waitForSelector('[data-testid=presence-list][data-count="2"]');
  await a.page.waitForSelector('[data-testid=remote-cursor-name]:text("Bob Heron")', {state: 'attached'});
  check(true, 'Alice sees Bob in the presence list and his cursor label');
  await b.page.waitForSelector('[data-testid=remote-cursor-name]:text("Alice Otter")', {state: 'attached'});
  const same = await Promise.all([a, b].map((p) => p.page.evaluate(() => JSON.stringify(window.weft.doc.data.ops, (k, v) => (v && typeof v === 'object' && !Array.isArray(v) ?
    Object.fromEntries(Object.entries(v).sort()) : v)))));
  check(same[0] === same[1], 'both replicas equal');
  // Bob selects a word so Alice sees a highlighted selection and a flag.
  await b.page.locator('.ql-editor p').last().dblclick();
  await a.page.waitForFunction(() => Object.values(window.weft.presence.remotePresences).some((v) => v?.length > 0));
  await pinFlags(a.page);
  await a.page.screenshot({path: join(shots, 'rich-two-users.png')});

  // Offline editing: Alice's network drops; edits queue and flush on return.
  await a.ctx.setOffline(true);
  await waitState(a.page, 'offline');
  await b.page.waitForSelector('[data-testid=presence-list][data-count="1"]');
  check(true, 'Bob sees Alice leave when her connection drops');
  // Click the line's start: Bob's caret sits mid-line and takes clicks there.
  await a.page.locator('.ql-editor p').last().click({position: {x: 2, y: 2}});
  await a.page.keyboard.press('End');
  await a.page.keyboard.type(' Typed offline.');
  await a.page.waitForFunction(() => Number(document.querySelector('[data-testid=connection-status]').dataset.unsent) > 0);
  const unsent = await status(a.page).getAttribute('data-unsent');
  check(Number(unsent) > 0, `offline unsent count ${unsent}`);
  await a.page.screenshot({path: join(shots, 'rich-offline.png')});
  await a.ctx.setOffline(false);
  await a.page.waitForSelector('[data-testid=connection-status][data-state=connected][data-unsent="0"]', {timeout: 20000});
  await b.page.waitForFunction(() => document.querySelector('.ql-editor').textContent.includes('Typed offline.'));
  check(true, 'offline edits reach Bob after reconnect');
  await b.page.waitForSelector('[data-testid=presence-list][data-count="2"]');
  check(true, 'Bob sees Alice again after she reconnects');

  // Server outage: both keep editing; the status says reconnecting with the
  // unsent count; everything converges when the server returns.
  // The dev server simulates an outage at POST /__dev/ws; against a Weft
  // server, WEFT_OUTAGE_URL names an endpoint that does the same (a proxy in
  // front of it, as TestEditorInChromium runs).
  const outageURL = dev ? base + '/__dev/ws' : process.env.WEFT_OUTAGE_URL;
  if (outageURL) {
    await fetch(outageURL + '?down=1', {method: 'POST'});
    await waitState(a.page, 'reconnecting');
    await waitState(b.page, 'reconnecting');
    await a.page.locator('.ql-editor h1').click();
    await a.page.keyboard.press('End');
    await a.page.keyboard.type(' (draft)');
    await b.page.locator('.ql-editor p').last().click();
    await b.page.keyboard.press('End');
    await b.page.keyboard.type(' Bob offline too.');
    await a.page.waitForSelector('[data-testid=connection-status][data-state=reconnecting]:not([data-unsent="0"])');
    check(/unsent/.test(await status(a.page).textContent()), 'reconnecting pill shows the unsent count');
    await a.page.screenshot({path: join(shots, 'rich-reconnecting.png')});
    await fetch(outageURL + '?down=0', {method: 'POST'});
    for (const p of [a, b]) {
      await p.page.waitForSelector('[data-testid=connection-status][data-state=connected][data-unsent="0"]', {timeout: 20000});
    }
    await a.page.waitForFunction(() => document.querySelector('.ql-editor').textContent.includes('Bob offline too.'));
    await b.page.waitForFunction(() => document.querySelector('.ql-editor').textContent.includes('(draft)'));
    const after = await Promise.all([a, b].map((p) => p.page.evaluate(() => JSON.stringify(window.weft.doc.data.ops, (k, v) => (v && typeof v === 'object' && !Array.isArray(v) ?
      Object.fromEntries(Object.entries(v).sort()) : v)))));
    check(after[0] === after[1], 'replicas equal after the outage');
    if (after[0] !== after[1]) console.log(after);
  } else {
    console.log('skip server outage (needs the dev server or WEFT_OUTAGE_URL)');
  }

  // Randomized concurrent rich-text edits through Quill's API as the user.
  const fuzzRich = async (seed) => {
    const pieces = ['a', 'é', '😀', 'word ', '中文', '\n', '𝔸'];
    const formats = ['bold', 'italic', 'underline'];
    let x = seed;
    const rnd = (n) => ((x = (x * 1103515245 + 12345) % 2147483648) % n);
    const q = window.weft.quill;
    for (let i = 0; i < 120; i++) {
      if (i % 4 === 0) await new Promise((r) => setTimeout(r, rnd(15)));
      const len = q.getLength() - 1;
      const text = q.getText();
      // Like a browser caret, never land inside a surrogate pair.
      const safe = (i) => (/[\ud800-\udbff]/.test(text[i - 1] || '') ? i - 1 : i);
      const at = safe(rnd(len + 1));
      const end = (n) => safe(Math.min(at + n, len)) - at;
      const op = rnd(6);
      if (op === 0 && len > 10 && end(1 + rnd(3)) > 0) q.deleteText(at, end(1 + rnd(3)), 'user');
      else if (op === 1 && len > 2 && end(1 + rnd(5)) > 0) q.formatText(at, end(1 + rnd(5)), formats[rnd(3)], rnd(2) === 0, 'user');
      else if (op === 2) q.formatLine(at, 1, 'header', rnd(2) ? 2 : false, 'user');
      else q.insertText(at, pieces[rnd(pieces.length)], 'user');
    }
  };
  await Promise.all([a.page.evaluate(fuzzRich, 3), b.page.evaluate(fuzzRich, 5)]);
  for (const p of [a, b]) await p.page.waitForFunction(() => !window.weft.doc.hasWritePending());
  await sameVersion(a, b);
  const canon = () => {
    const sorted = (k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v);
    return [JSON.stringify(window.weft.doc.data.ops, sorted), JSON.stringify(window.weft.quill.getContents().ops, sorted)];
  };
  const rz = await Promise.all([a, b].map((p) => p.page.evaluate(canon)));
  check(rz[0][0] === rz[1][0], 'rich text converges under concurrent random edits');
  check(rz[0][0] === rz[0][1] && rz[1][0] === rz[1][1], 'each Quill shows exactly doc.data');
  if (rz[0][0] !== rz[1][0] || rz[0][0] !== rz[0][1] || rz[1][0] !== rz[1][1]) console.log(rz);

  // History: slide back to version 1, then return to live.
  await a.page.getByTestId('history-toggle').click();
  await a.page.getByTestId('history-slider').fill('1');
  await a.page.waitForSelector('[data-testid=history-preview][data-version="1"][data-loaded=true]');
  await a.page.screenshot({path: join(shots, 'rich-history.png')});
  await a.page.getByTestId('history-live').click();
  check(await a.page.getByTestId('editor').isVisible(), 'back to live shows the editor');

  // Exports through the REST API.
  const txtHref = await a.page.getByTestId('export-text').getAttribute('href');
  const txt = await (await fetch(base + txtHref)).text();
  const want = await a.page.evaluate(() => window.weft.doc.data.ops.map((o) => (typeof o.insert === 'string' ? o.insert : '')).join(''));
  check(txt === want, 'text export has the latest text');
  if (txt !== want) console.log(JSON.stringify([txt, want]));
  const json = await (await fetch(base + await a.page.getByTestId('export-json').getAttribute('href'))).json();
  check(json.type && json.v > 0 && Array.isArray(json.data?.ops), 'JSON export has v, type and data ({ops})');

  // Plain text with emoji: code point offsets.
  await a.page.goto(base + '/');
  await a.page.waitForSelector('[data-testid=doc-row][data-type=rich-text]');
  await a.page.getByTestId('new-plain-text').click();
  await a.page.waitForSelector('[data-testid=editor][data-ready=true][data-type=text-unicode]');
  const plainURL = a.page.url().split('?')[0];
  await a.page.locator('.cm-content').click();
  await a.page.keyboard.type('a😀b👩‍👩‍👧c\n');
  await b.page.goto(plainURL + '?name=Bob%20Heron');
  await b.page.waitForSelector('[data-testid=editor][data-ready=true]');
  await b.page.waitForFunction(() => window.weft.doc.data.includes('c\n'));
  await b.page.locator('.cm-content').click();
  await b.page.keyboard.press('Control+End');
  await b.page.keyboard.type('func main() {}\nλ → ✓ 🎉 done');
  await b.page.waitForFunction(() => !window.weft.doc.hasWritePending());
  await a.page.waitForFunction(() => window.weft.doc.data.endsWith('done'));
  await a.page.keyboard.press('Control+Home');
  await a.page.keyboard.press('ArrowRight');
  await a.page.keyboard.press('ArrowRight');
  await a.page.keyboard.type('X');
  await a.page.keyboard.press('Backspace');
  await a.page.keyboard.press('Backspace'); // deletes the 😀 surrogate pair
  await a.page.waitForFunction(() => window.weft.doc.data.endsWith('done') && !window.weft.doc.hasWritePending());
  await b.page.waitForFunction(() => !window.weft.doc.data.includes('😀') && !window.weft.doc.hasWritePending());
  const texts = await Promise.all([a, b].map((p) => p.page.evaluate(() =>
    [window.weft.doc.data, window.weft.view.state.doc.toString()])));
  check(texts[0][0] === texts[1][0], 'plain replicas equal');
  check(texts[0][0] === texts[0][1] && texts[1][0] === texts[1][1], 'CodeMirror matches doc.data on both');
  check(texts[0][0] === 'ab👩‍👩‍👧c\nfunc main() {}\nλ → ✓ 🎉 done', `plain text ${JSON.stringify(texts[0][0])}`);
  await a.page.waitForSelector('.cm-remote-name:text("Bob Heron")');
  await a.page.screenshot({path: join(shots, 'plain-two-users.png')});

  // Randomized concurrent edits on both sides (emoji, ZWJ, CJK): everything
  // must converge, and each editor must show exactly doc.data.
  const fuzzPlain = async (seed) => {
    const pieces = ['a', 'é', '😀', '👩‍👩‍👧', '中文', '\n', 'xyz', '𝔸'];
    let x = seed;
    const rnd = (n) => ((x = (x * 1103515245 + 12345) % 2147483648) % n);
    const view = window.weft.view;
    for (let i = 0; i < 150; i++) {
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, rnd(15)));
      const text = view.state.doc.toString();
      const cps = [...text];
      const at = rnd(cps.length + 1);
      const from = cps.slice(0, at).join('').length;
      if (cps.length > 20 && rnd(3) === 0) {
        const to = cps.slice(0, Math.min(cps.length, at + 1 + rnd(4))).join('').length;
        view.dispatch({changes: {from, to}});
      } else {
        view.dispatch({changes: {from, insert: pieces[rnd(pieces.length)]}});
      }
    }
  };
  await Promise.all([a.page.evaluate(fuzzPlain, 7), b.page.evaluate(fuzzPlain, 11)]);
  for (const p of [a, b]) await p.page.waitForFunction(() => !window.weft.doc.hasWritePending());
  await sameVersion(a, b);
  const fz = await Promise.all([a, b].map((p) => p.page.evaluate(() =>
    [window.weft.doc.data, window.weft.view.state.doc.toString()])));
  check(fz[0][0] === fz[1][0] && fz[0][0] === fz[0][1] && fz[1][0] === fz[1][1],
    `plain text converges under concurrent random edits (${[...fz[0][0]].length} code points)`);

  // Home page listing and a phone-sized screen.
  await a.page.goto(base + '/');
  await a.page.waitForSelector('[data-testid=doc-row][data-type=text-unicode]');
  const listed = await a.page.getByTestId('doc-row').evaluateAll((rows) => rows.map((r) => r.dataset.id));
  check([docURL, plainURL].every((u) => listed.includes(u.split('/').pop())), 'home lists both documents');
  await a.page.screenshot({path: join(shots, 'home-list.png')});

  // Creating and editing a document while offline.
  check(await a.page.evaluate(() => window.weft.editorsReady), 'editors preloaded');
  await a.ctx.setOffline(true);
  await waitState(a.page, 'offline');
  await a.page.getByTestId('new-plain-text').click();
  await a.page.waitForSelector('[data-testid=editor][data-ready=true][data-type=text-unicode]');
  await a.page.locator('.cm-content').click();
  await a.page.keyboard.type('written on a train');
  const offURL = a.page.url().split('?')[0];
  check(Number(await status(a.page).getAttribute('data-unsent')) > 0, 'offline-created doc has unsent ops');
  await a.ctx.setOffline(false);
  await a.page.waitForSelector('[data-testid=connection-status][data-state=connected][data-unsent="0"]', {timeout: 20000});
  const offDoc = await (await fetch(base + '/api/v1/docs/docs/' + offURL.split('/').pop())).json();
  check(offDoc.data === 'written on a train', `offline-created doc reaches the server (${JSON.stringify(offDoc.data)})`);

  const m = await open('Carol Wren', docURL, {viewport: {width: 375, height: 740}});
  await m.page.waitForSelector('[data-testid=editor][data-ready=true]');
  await m.page.waitForSelector('[data-testid=connection-status][data-state=connected]');
  await m.page.evaluate(() => document.fonts.ready.then(() => true));
  await m.page.screenshot({path: join(shots, 'phone-rich.png')});
  const overflow = await m.page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  check(overflow <= 0, `no horizontal overflow on a phone (${overflow}px)`);
  await m.page.goto(base + '/?name=Carol');
  await m.page.waitForSelector('[data-testid=doc-row]');
  await m.page.screenshot({path: join(shots, 'phone-home.png')});
} catch (e) {
  check(false, `exception: ${e.stack}`);
  for (const p of browser.contexts().flatMap((c) => c.pages())) {
    console.log('  state:', await p.evaluate(() => JSON.stringify({url: location.pathname, data: window.weft.doc?.data,
      cm: window.weft.view?.state.doc.toString(), pending: window.weft.doc?.hasWritePending()})).catch((e) => e.message));
  }
} finally {
  await browser.close();
  dev?.kill();
}
console.log(`screenshots in ${shots}`);
console.log(`checks: ${passes} passed, ${failures} failed`);
console.log(failures ? `${failures} FAILED` : 'all passed');
process.exit(failures ? 1 : 0);
