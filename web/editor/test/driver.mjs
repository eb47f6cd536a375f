// One browser-driving API for the editor suite over puppeteer-core: headless
// Chromium through the Chrome DevTools Protocol and headless Firefox ESR
// through WebDriver BiDi (Firefox's built-in remote agent; no patched
// browser build and no separate driver binary). collab.mjs and e2e.mjs are
// written against puppeteer's Page plus the helpers below, so every scenario
// runs unchanged in both browsers.
//
// Every wait here is on a page condition or DOM state, bounded by TIMEOUT;
// nothing sleeps to synchronise.
import puppeteer from 'puppeteer-core';

// TIMEOUT bounds every wait (ms).
export const TIMEOUT = 30000;

const executables = {
  chromium: () => process.env.CHROMIUM || '/usr/bin/chromium',
  firefox: () => process.env.FIREFOX || '/usr/bin/firefox-esr',
};

// WS_REFUSED matches Firefox's messages for a WebSocket that cannot connect
// or was cut.
const WS_REFUSED = /^Firefox can.t establish a connection to the server at wss?:|^The connection to wss?:\S+ was interrupted/;

// launch starts the named browser ('chromium' or 'firefox') headless. check
// is the suite's check(cond, what): page errors are reported through it.
// The result's open(name, url, {viewport, color}) starts a person in a
// private browser context (own storage) and returns {name, ctx, page}.
export async function launch(name, check) {
  if (!executables[name]) throw new Error(`unknown browser ${JSON.stringify(name)} (chromium or firefox)`);
  const executablePath = executables[name]();
  const browser = await puppeteer.launch(name === 'firefox' ? {
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath,
    headless: true,
    timeout: TIMEOUT,
    // No first-run pages, telemetry or update checks in the test profile.
    extraPrefsFirefox: {'browser.shell.checkDefaultBrowser': false, 'datareporting.policy.dataSubmissionEnabled': false},
  } : {
    executablePath,
    headless: true,
    timeout: TIMEOUT,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const people = [];
  async function open(person, url, {viewport = {width: 1280, height: 800}, color} = {}) {
    const ctx = await browser.createBrowserContext();
    const page = await newWindow(ctx);
    page.setDefaultTimeout(TIMEOUT);
    await page.setViewport(viewport);
    // The person's name in every request's User-Agent lets an outage proxy
    // (WEFT_OUTAGE_URL) cut this person's connections alone (setOffline).
    const slug = person.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    let tagged = true;
    try {
      await page.setUserAgent(`${await browser.userAgent()} ${PERSON_MARK}${slug}`);
    } catch (e) {
      tagged = false;
      console.log(`  [${person}] no User-Agent override (${e.message}): offline relies on the browser's offline mode alone`);
    }
    if (color) await page.evaluateOnNewDocument((c) => localStorage.setItem('weft.color', c), color);
    page.on('pageerror', (e) => {
      // Firefox reports a refused WebSocket (offline, server down) as a
      // script error where Chromium logs it to the console: a connection
      // state, not a fault of the page.
      if (WS_REFUSED.test(e.message)) console.log(`  [${person}] ${e.message}`);
      else check(false, `${person}: page error ${e.message}`);
    });
    page.on('console', (m) => m.type() === 'error' && console.log(`  [${person} console] ${m.text()}`));
    // A navigation away from unsent ops raises "leave site?"; scenarios wait
    // for the acks first, so one showing up is worth a line in the log.
    page.on('dialog', (d) => {
      console.log(`  [${person}] ${d.type()} dialog accepted: ${d.message()}`);
      d.accept().catch(() => {});
    });
    await page.goto(url + (url.includes('?') ? '&' : '?') + 'name=' + encodeURIComponent(person));
    const p = {name: person, ctx, page, slug: tagged ? slug : null};
    people.push(p);
    return p;
  }
  return {
    name,
    browser,
    version: await browser.version(),
    open,
    people,
    // setOffline cuts (or restores) a person's network as the browser's
    // own offline mode: navigator.onLine turns false, the "offline" event
    // fires, and the page's sockets and requests fail. Behind an outage
    // proxy (WEFT_OUTAGE_URL) it also closes the person's connections there
    // and refuses new ones until restored: a browser's offline mode may
    // hold back a socket's close frame yet still answer the server's
    // keepalive pings, which a real network drop never does.
    setOffline: async (p, offline) => {
      if (!offline) await cutAtProxy(p, false);
      await p.page.setOfflineMode(offline);
      if (offline) await cutAtProxy(p, true);
    },
    close: () => browser.close(),
  };
}

// PERSON_MARK precedes a person's name in their pages' User-Agent; the
// outage proxy of cmd/server's browser tests looks for it.
const PERSON_MARK = 'weft-person/';

// cutAtProxy cuts (or restores) person p's connections at the outage proxy
// named by WEFT_OUTAGE_URL, if there is one.
async function cutAtProxy(p, down) {
  const url = process.env.WEFT_OUTAGE_URL;
  if (!url || !p.slug) return;
  const res = await fetch(`${url}?person=${encodeURIComponent(p.slug)}&down=${down ? 1 : 0}`, {method: 'POST'});
  if (!res.ok) throw new Error(`outage proxy: ${res.status} ${await res.text()}`);
  if (down) console.log(`  [${p.name}] network cut at the proxy (${await res.text()} connections closed)`);
}

// newWindow opens a page of ctx in a window of its own. Firefox hides all
// but the front tab of a window and throttles its timers to one a second:
// each person needs a window to type, sync and render at full speed.
export const newWindow = (ctx) => ctx.newPage({type: 'window'});

// tid is the selector of a data-testid.
export const tid = (id) => `[data-testid=${id}]`;

// until waits for fn(...args) to be truthy in the page, polling.
export const until = (page, fn, ...args) => page.waitForFunction(fn, {polling: 50, timeout: TIMEOUT}, ...args);

// waitText waits for an element matching selector whose text is text
// (exactly, or containing it when exact is false), attached to the page
// though not necessarily visible.
export const waitText = (page, selector, text, {exact = true} = {}) => until(page, (sel, want, exact) =>
  [...document.querySelectorAll(sel)].some((e) => (exact ? e.textContent.trim() === want : e.textContent.includes(want))),
selector, text, exact);

// click clicks the first (or, with last, the last) element matching
// selector, at offset from its top left corner if given, else its centre.
export async function click(page, selector, {last = false, offset, count} = {}) {
  await page.waitForSelector(selector, {visible: true});
  const els = await page.$$(selector);
  const el = last ? els.at(-1) : els[0];
  await el.click({offset, count});
}

// clickButton clicks the button labelled label.
export async function clickButton(page, label) {
  const el = await until(page, (label) =>
    [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === label && b.checkVisibility()), label);
  await el.asElement().click();
}

// press presses a key or a chord such as 'Shift+ArrowLeft' or 'Control+End'.
export async function press(page, chord) {
  const keys = chord.split('+');
  const key = keys.pop();
  for (const m of keys) await page.keyboard.down(m);
  await page.keyboard.press(key);
  for (const m of keys.reverse()) await page.keyboard.up(m);
}

// fill sets an input's value as a user would (an input event follows).
export const fill = (page, selector, value) => page.$eval(selector, (el, v) => {
  el.value = v;
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
}, value);

// attr is selector's attribute name (null if absent).
export const attr = (page, selector, name) => page.$eval(selector, (el, n) => el.getAttribute(n), name);

// stillShot screenshots the page without the text caret and with
// animations and transitions stopped, so reruns capture the same pixels.
// It returns the PNG bytes and writes them to path if given.
export async function stillShot(page, path) {
  const style = await page.addStyleTag({content: '*,*::before,*::after{caret-color:transparent!important;' +
    'animation:none!important;transition:none!important}'});
  try {
    return Buffer.from(await page.screenshot({path}));
  } finally {
    await style.evaluate((s) => s.remove());
  }
}
