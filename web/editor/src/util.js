// Small helpers shared by the Weft editor views: identities, ids, DOM and
// UTF-16 <-> code point conversion.

const ADJECTIVES = ['Amber', 'Brisk', 'Calm', 'Daring', 'Eager', 'Fuzzy', 'Gentle', 'Happy', 'Jolly',
  'Keen', 'Lucky', 'Merry', 'Nimble', 'Plucky', 'Quiet', 'Rapid', 'Sunny', 'Swift', 'Witty', 'Zesty'];
const ANIMALS = ['Otter', 'Falcon', 'Panda', 'Heron', 'Lynx', 'Koala', 'Badger', 'Dolphin', 'Fox',
  'Gecko', 'Ibis', 'Marten', 'Owl', 'Puffin', 'Raven', 'Seal', 'Tapir', 'Wren', 'Yak', 'Zebra'];

// COLORS are distinguishable on white, one per collaborator.
export const COLORS = ['#e5484d', '#f76b15', '#d6a300', '#30a46c', '#12a594', '#0090ff',
  '#3e63dd', '#8e4ec6', '#d6409f', '#978365'];

export function randomInt(n) {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0] % n;
}

export function randomName() {
  return ADJECTIVES[randomInt(ADJECTIVES.length)] + ' ' + ANIMALS[randomInt(ANIMALS.length)];
}

// colorFor picks a stable colour for a presence id or name.
export function colorFor(key) {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return COLORS[h % COLORS.length];
}

// newDocId returns a short random id (10 characters of [a-z0-9]).
export function newDocId() {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  let s = '';
  for (let i = 0; i < 10; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

export function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const s = parts.length > 1 ? parts[0][0] + parts[1][0] : (parts[0] || '?').slice(0, 2);
  return s.toUpperCase();
}

// h builds an element: h('div', {class: 'x', onclick: fn, 'data-testid': 't'}, child...).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// cpLen counts the code points of a JS (UTF-16) string.
export function cpLen(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

// utf16Advance returns the UTF-16 offset reached by advancing cps code points
// from UTF-16 offset start in s (clamped to s.length).
export function utf16Advance(s, start, cps) {
  let i = start;
  while (cps > 0 && i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      i += d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
    } else {
      i++;
    }
    cps--;
  }
  return i;
}

// cpToUtf16 converts a code point offset into s to a UTF-16 offset.
export function cpToUtf16(s, cp) {
  return utf16Advance(s, 0, cp);
}

// utf16ToCp converts a UTF-16 offset into s to a code point offset.
export function utf16ToCp(s, off) {
  return cpLen(s.slice(0, off));
}

export function relativeTime(ms) {
  const d = (Date.now() - ms) / 1000;
  if (d < 60) return 'just now';
  if (d < 3600) return Math.floor(d / 60) + ' min ago';
  if (d < 86400) return Math.floor(d / 3600) + ' h ago';
  return new Date(ms).toLocaleString();
}

// ColorPicker gives each remote person a display colour distinct from the
// local user's and from everyone else's seen so far, keeping their own
// choice when it is free.
export class ColorPicker {
  constructor(identity) {
    this.identity = identity;
    this.byId = new Map();
  }
  pick(id, wanted) {
    const taken = new Set([this.identity.color]);
    for (const [other, c] of this.byId) if (other !== id) taken.add(c);
    const prev = this.byId.get(id);
    let color = /^#[0-9a-f]{6}$/i.test(wanted) ? wanted : COLORS[0];
    if (prev && !taken.has(prev)) color = prev;
    else if (taken.has(color)) color = COLORS.find((c) => !taken.has(c)) || color;
    this.byId.set(id, color);
    return color;
  }
  drop(id) {
    this.byId.delete(id);
  }
}

// unsentCount is the number of local ops the server has not acknowledged.
export function unsentCount(doc) {
  if (!doc) return 0;
  return (doc.inflightOp ? 1 : 0) + doc.pendingOps.length;
}
