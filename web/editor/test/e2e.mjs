// End-to-end check of Weft's editor in a headless browser: Chromium or
// Firefox ESR, driven through driver.mjs (puppeteer-core: CDP for Chromium,
// WebDriver BiDi for Firefox).
// Usage: [WEFT_BROWSER=chromium|firefox] node test/e2e.mjs [shotsDir]
// With WEFT_URL=http://host:port it drives that Weft server (as
// cmd/server's TestEditorInChromium and TestEditorInFirefox do); without it,
// it starts the dev server (reference ShareDB behind it; needs `make
// deps-node`). Needs /usr/bin/chromium (or CHROMIUM=path), or for Firefox
// /usr/bin/firefox-esr (or FIREFOX=path). WEFT_DOCS_SCREENSHOTS=dir writes
// the README's screenshots (home.png, editing-session.png) there instead of
// into shotsDir; only the Chromium run writes them. WEFT_OUTAGE_URL: an
// endpoint where POST ?down=1 cuts every connection to the server and
// refuses new ones, ?down=0 ends that. Prints the browser's version, one
// `ok`/`FAIL` line per check, and exits non-zero on any failure.
import {spawn} from 'node:child_process';
import {createInterface} from 'node:readline';
import {mkdtempSync, mkdirSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';
import {collab, pinFlags} from './collab.mjs';
import {attr, click, fill, launch, press, stillShot, tid, until, waitText} from './driver.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const browserName = process.env.WEFT_BROWSER || 'chromium';
const shots = process.argv[2] || mkdtempSync(join(tmpdir(), `weft-shots-${browserName}-`));
mkdirSync(shots, {recursive: true});
const docsShots = (browserName === 'chromium' && process.env.WEFT_DOCS_SCREENSHOTS) || shots;
mkdirSync(docsShots, {recursive: true});
let failures = 0;
let passes = 0;
const t0 = Date.now();
function check(cond, what) {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what} [${((Date.now() - t0) / 1000).toFixed(1)}s]`);
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
const driver = await launch(browserName, check);
console.log(`browser: ${driver.version}`);
const {open, setOffline} = driver;
// sameVersion waits until both pages, with no write pending, hold the
// document's head. Neither has anything unacknowledged, so the head is the
// larger of their versions (the last ack either received); the other page
// reaches it once the remaining ops are delivered.
async function sameVersion(a, b) {
  const vs = await Promise.all([a, b].map((p) => p.page.evaluate(() => window.weft.doc.version)));
  const head = Math.max(...vs);
  for (const p of [a, b]) await until(p.page, (v) => window.weft.doc.version === v, head);
}
const waitState = (page, state) => page.waitForSelector(`[data-testid=connection-status][data-state=${state}]`);
const unsentOf = async (page) => Number(await attr(page, tid('connection-status'), 'data-unsent'));
// canonOps serialises a page's rich-text doc.data with sorted attribute keys.
const canonOps = (page) => page.evaluate(() => JSON.stringify(window.weft.doc.data.ops, (k, v) =>
  (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v)));

// phone opens the two documents and the home page on a phone-sized screen:
// no horizontal scrolling, and the header, toolbar and text area each fit
// inside the screen's width.
async function phone({rich, plain}) {
  const m = await open('Carol Wren', `${base}/`, {viewport: {width: 375, height: 740}});
  const pages = [
    [`/d/docs/${rich}`, 'phone-rich', ['.topbar', '.docbar', '.ql-toolbar', '.ql-editor']],
    [`/d/docs/${plain}`, 'phone-plain', ['.topbar', '.docbar', '.cm-editor', '.cm-content']],
    ['/', 'phone-home', ['.topbar', '[data-testid=doc-list]']],
  ];
  for (const [path, name, parts] of pages) {
    await m.page.goto(base + path);
    await m.page.waitForSelector(path === '/' ? '[data-testid=doc-row][data-type]' : '[data-testid=editor][data-ready=true]');
    await waitState(m.page, 'connected');
    await m.page.evaluate(() => document.fonts.ready.then(() => true));
    await stillShot(m.page, join(shots, `${name}.png`));
    const fit = await m.page.evaluate((parts) => {
      const width = document.documentElement.clientWidth;
      const outside = parts.map((sel) => {
        const el = document.querySelector(sel);
        if (!el) return `${sel} missing`;
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.left >= -0.5 && r.right <= width + 0.5 ? null : `${sel} at ${r.left}..${r.right}`;
      }).filter(Boolean);
      return {overflow: document.documentElement.scrollWidth - width, screen: innerWidth, outside};
    }, parts);
    check(fit.screen === 375 && fit.overflow <= 0 && fit.outside.length === 0,
      `${name}: fits a 375px screen without horizontal scroll (overflow ${fit.overflow}px${fit.outside.length ? '; ' + fit.outside.join(', ') : ''})`);
  }
  await m.ctx.close();
}

try {
  // Two-person collaboration checks (and, in Chromium, the README's
  // screenshots), first, while the server holds only what they create; then
  // the same documents on a phone-sized screen.
  const docs = await collab({...driver, base, check, docsShots});
  await phone(docs);

  // Home page and creating a rich-text document.
  const a = await open('Alice Otter', base + '/');
  await waitState(a.page, 'connected');
  await a.page.screenshot({path: join(shots, 'home-empty.png')});
  await click(a.page, tid('new-rich-text'));
  await a.page.waitForSelector('[data-testid=editor][data-ready=true]');
  const docURL = a.page.url().split('?')[0];
  check(/\/d\/docs\/[a-z0-9]{10}$/.test(docURL), `new doc URL ${docURL}`);
  await click(a.page, '.ql-editor');
  await a.page.keyboard.type('Release plan');
  await press(a.page, 'Enter');
  await a.page.keyboard.type('Ship the Go server, then the editor. Emoji ok 🎉.');
  await click(a.page, '.ql-editor p');
  await click(a.page, '.ql-header .ql-picker-label');
  await click(a.page, '.ql-header .ql-picker-item[data-value="1"]');

  // A second person joins.
  const b = await open('Bob Heron', docURL);
  await b.page.waitForSelector('[data-testid=editor][data-ready=true]');
  await until(b.page, () => window.weft.doc.data.ops.map((o) => o.insert).join('').includes('Emoji ok'));
  await until(b.page, () => document.querySelector('.ql-editor h1')?.textContent === 'Release plan');
  check(true, 'heading reaches Bob');
  await click(b.page, '.ql-editor p', {last: true});
  await press(b.page, 'End');
  await b.page.keyboard.type(' Bob was here.');
  await until(a.page, () => document.querySelector('.ql-editor').textContent.includes('Bob was here.'));
  await a.page.waitForSelector('[data-testid=presence-list][data-count="2"]');
  await waitText(a.page, tid('remote-cursor-name'), 'Bob Heron');
  check(true, 'Alice sees Bob in the presence list and his cursor label');
  await waitText(b.page, tid('remote-cursor-name'), 'Alice Otter');
  for (const p of [a, b]) await until(p.page, () => !window.weft.doc.hasWritePending());
  await sameVersion(a, b);
  const same = await Promise.all([a, b].map((p) => canonOps(p.page)));
  check(same[0] === same[1], 'both replicas equal');
  // Bob selects a word so Alice sees a highlighted selection and a flag.
  await click(b.page, '.ql-editor p', {last: true, count: 2});
  await until(a.page, () => Object.values(window.weft.presence.remotePresences).some((v) => v?.length > 0));
  await pinFlags(a.page);
  await a.page.screenshot({path: join(shots, 'rich-two-users.png')});

  // Offline editing: Alice's network drops; edits queue and flush on return.
  await setOffline(a, true);
  await waitState(a.page, 'offline');
  await b.page.waitForSelector('[data-testid=presence-list][data-count="1"]');
  check(true, 'Bob sees Alice leave when her connection drops');
  // Click the line's start: Bob's caret sits mid-line and takes clicks there.
  await click(a.page, '.ql-editor p', {last: true, offset: {x: 2, y: 2}});
  await press(a.page, 'End');
  await a.page.keyboard.type(' Typed offline.');
  await until(a.page, () => Number(document.querySelector('[data-testid=connection-status]').dataset.unsent) > 0);
  const unsent = await unsentOf(a.page);
  check(unsent > 0, `offline unsent count ${unsent}`);
  await a.page.screenshot({path: join(shots, 'rich-offline.png')});
  await setOffline(a, false);
  await a.page.waitForSelector('[data-testid=connection-status][data-state=connected][data-unsent="0"]');
  await until(b.page, () => document.querySelector('.ql-editor').textContent.includes('Typed offline.'));
  check(true, 'offline edits reach Bob after reconnect');
  await b.page.waitForSelector('[data-testid=presence-list][data-count="2"]');
  check(true, 'Bob sees Alice again after she reconnects');

  // Server outage: both keep editing; the status says reconnecting with the
  // unsent count; everything converges when the server returns.
  // The dev server simulates an outage at POST /__dev/ws; against a Weft
  // server, WEFT_OUTAGE_URL names an endpoint that does the same (a proxy in
  // front of it, as the cmd/server editor tests run).
  const outageURL = dev ? base + '/__dev/ws' : process.env.WEFT_OUTAGE_URL;
  if (outageURL) {
    await fetch(outageURL + '?down=1', {method: 'POST'});
    await waitState(a.page, 'reconnecting');
    await waitState(b.page, 'reconnecting');
    await click(a.page, '.ql-editor h1');
    await press(a.page, 'End');
    await a.page.keyboard.type(' (draft)');
    await click(b.page, '.ql-editor p', {last: true});
    await press(b.page, 'End');
    await b.page.keyboard.type(' Bob offline too.');
    await a.page.waitForSelector('[data-testid=connection-status][data-state=reconnecting]:not([data-unsent="0"])');
    check(/unsent/.test(await a.page.$eval(tid('connection-status'), (e) => e.textContent)), 'reconnecting pill shows the unsent count');
    await a.page.screenshot({path: join(shots, 'rich-reconnecting.png')});
    await fetch(outageURL + '?down=0', {method: 'POST'});
    for (const p of [a, b]) {
      await p.page.waitForSelector('[data-testid=connection-status][data-state=connected][data-unsent="0"]');
    }
    await until(a.page, () => document.querySelector('.ql-editor').textContent.includes('Bob offline too.'));
    await until(b.page, () => document.querySelector('.ql-editor').textContent.includes('(draft)'));
    for (const p of [a, b]) await until(p.page, () => !window.weft.doc.hasWritePending());
    await sameVersion(a, b);
    const after = await Promise.all([a, b].map((p) => canonOps(p.page)));
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
  for (const p of [a, b]) await until(p.page, () => !window.weft.doc.hasWritePending());
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
  await click(a.page, tid('history-toggle'));
  await fill(a.page, tid('history-slider'), '1');
  await a.page.waitForSelector('[data-testid=history-preview][data-version="1"][data-loaded=true]');
  await a.page.screenshot({path: join(shots, 'rich-history.png')});
  await click(a.page, tid('history-live'));
  check(await a.page.waitForSelector(tid('editor'), {visible: true}).then(() => true), 'back to live shows the editor');

  // Exports through the REST API.
  const txtHref = await attr(a.page, tid('export-text'), 'href');
  const txt = await (await fetch(base + txtHref)).text();
  const want = await a.page.evaluate(() => window.weft.doc.data.ops.map((o) => (typeof o.insert === 'string' ? o.insert : '')).join(''));
  check(txt === want, 'text export has the latest text');
  if (txt !== want) console.log(JSON.stringify([txt, want]));
  const json = await (await fetch(base + await attr(a.page, tid('export-json'), 'href'))).json();
  check(json.type && json.v > 0 && Array.isArray(json.data?.ops), 'JSON export has v, type and data ({ops})');

  // Plain text with emoji: code point offsets.
  await a.page.goto(base + '/');
  await a.page.waitForSelector('[data-testid=doc-row][data-type=rich-text]');
  await click(a.page, tid('new-plain-text'));
  await a.page.waitForSelector('[data-testid=editor][data-ready=true][data-type=text-unicode]');
  const plainURL = a.page.url().split('?')[0];
  await click(a.page, '.cm-content');
  await a.page.keyboard.type('a😀b👩‍👩‍👧c\n');
  await b.page.goto(plainURL + '?name=Bob%20Heron');
  await b.page.waitForSelector('[data-testid=editor][data-ready=true]');
  await until(b.page, () => window.weft.doc.data.includes('c\n'));
  await click(b.page, '.cm-content');
  await press(b.page, 'Control+End');
  await b.page.keyboard.type('func main() {}\nλ → ✓ 🎉 done');
  await until(b.page, () => !window.weft.doc.hasWritePending());
  await until(a.page, () => window.weft.doc.data.endsWith('done'));
  await press(a.page, 'Control+Home');
  await press(a.page, 'ArrowRight');
  await press(a.page, 'ArrowRight');
  await a.page.keyboard.type('X');
  await press(a.page, 'Backspace');
  await press(a.page, 'Backspace'); // deletes the 😀 surrogate pair
  await until(a.page, () => window.weft.doc.data.endsWith('done') && !window.weft.doc.hasWritePending());
  await until(b.page, () => !window.weft.doc.data.includes('😀') && !window.weft.doc.hasWritePending());
  const texts = await Promise.all([a, b].map((p) => p.page.evaluate(() =>
    [window.weft.doc.data, window.weft.view.state.doc.toString()])));
  check(texts[0][0] === texts[1][0], 'plain replicas equal');
  check(texts[0][0] === texts[0][1] && texts[1][0] === texts[1][1], 'CodeMirror matches doc.data on both');
  check(texts[0][0] === 'ab👩‍👩‍👧c\nfunc main() {}\nλ → ✓ 🎉 done', `plain text ${JSON.stringify(texts[0][0])}`);
  await waitText(a.page, '.cm-remote-name', 'Bob Heron', {exact: false});
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
  for (const p of [a, b]) await until(p.page, () => !window.weft.doc.hasWritePending());
  await sameVersion(a, b);
  const fz = await Promise.all([a, b].map((p) => p.page.evaluate(() =>
    [window.weft.doc.data, window.weft.view.state.doc.toString()])));
  check(fz[0][0] === fz[1][0] && fz[0][0] === fz[0][1] && fz[1][0] === fz[1][1],
    `plain text converges under concurrent random edits (${[...fz[0][0]].length} code points)`);

  // Home page listing.
  await a.page.goto(base + '/');
  await a.page.waitForSelector('[data-testid=doc-row][data-type=text-unicode]');
  const listed = await a.page.$$eval(tid('doc-row'), (rows) => rows.map((r) => r.dataset.id));
  check([docURL, plainURL].every((u) => listed.includes(u.split('/').pop())), 'home lists both documents');
  await a.page.screenshot({path: join(shots, 'home-list.png')});

  // Creating and editing a document while offline.
  check(await a.page.evaluate(() => window.weft.editorsReady), 'editors preloaded');
  await setOffline(a, true);
  await waitState(a.page, 'offline');
  await click(a.page, tid('new-plain-text'));
  await a.page.waitForSelector('[data-testid=editor][data-ready=true][data-type=text-unicode]');
  await click(a.page, '.cm-content');
  await a.page.keyboard.type('written on a train');
  const offURL = a.page.url().split('?')[0];
  check(await unsentOf(a.page) > 0, 'offline-created doc has unsent ops');
  await setOffline(a, false);
  await a.page.waitForSelector('[data-testid=connection-status][data-state=connected][data-unsent="0"]');
  const offDoc = await (await fetch(base + '/api/v1/docs/docs/' + offURL.split('/').pop())).json();
  check(offDoc.data === 'written on a train', `offline-created doc reaches the server (${JSON.stringify(offDoc.data)})`);
} catch (e) {
  check(false, `exception: ${e.stack}`);
  for (const p of driver.people) {
    console.log(`  state of ${p.name}:`, await p.page.evaluate(() => JSON.stringify({url: location.pathname, data: window.weft.doc?.data,
      cm: window.weft.view?.state.doc.toString(), pending: window.weft.doc?.hasWritePending()})).catch((e) => e.message));
  }
} finally {
  await driver.close();
  dev?.kill();
}
console.log(`screenshots in ${shots}`);
console.log(`checks: ${passes} passed, ${failures} failed`);
console.log(failures ? `${failures} FAILED` : 'all passed');
process.exit(failures ? 1 : 0);
