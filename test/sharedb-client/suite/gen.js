'use strict';
// Seeded random ops for json0, text-unicode and rich-text docs. Every
// position falls on a code point boundary, so no op splits a surrogate pair.

const textUnicode = require('ot-text-unicode');

// rng returns a deterministic generator of floats in [0, 1) (mulberry32).
function rng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6D2B79F5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['a', 'b', 'Z', ' ', 'é', 'ñ', '世', '界', '中文', '🎉', '😀', '👩‍💻', '𝔸', '\n', 'ü'];

// Random wraps a seeded generator with helpers.
class Random {
  constructor(seed) {
    this.next = rng(seed);
  }

  int(n) {
    return Math.floor(this.next() * n);
  }

  pick(list) {
    return list[this.int(list.length)];
  }

  text(maxPieces = 4) {
    let s = '';
    const n = 1 + this.int(maxPieces);
    for (let i = 0; i < n; i++) s += this.pick(PIECES);
    return s;
  }
}

function codePoints(s) {
  return Array.from(s);
}

// utf16Offset converts a code point index in s to a UTF-16 offset.
function utf16Offset(s, cpIndex) {
  return codePoints(s).slice(0, cpIndex).join('').length;
}

// json0Op returns a random op for data {n, list, text} and the amount it adds to n.
function json0Op(r, data) {
  const cps = codePoints(data.text);
  switch (r.int(5)) {
    case 0: {
      const k = 1 + r.int(9);
      return {op: [{p: ['n'], na: k}], added: k};
    }
    case 1:
      return {op: [{p: ['list', r.int(data.list.length + 1)], li: r.text(2)}], added: 0};
    case 2:
      if (data.list.length > 0) {
        const i = r.int(data.list.length);
        return {op: [{p: ['list', i], ld: data.list[i]}], added: 0};
      }
    // falls through to an insert when there is nothing to delete
    case 3:
      return {op: [{p: ['text', utf16Offset(data.text, r.int(cps.length + 1))], si: r.text()}], added: 0};
    default: {
      if (cps.length === 0) return {op: [{p: ['text', 0], si: r.text()}], added: 0};
      const at = r.int(cps.length);
      const len = 1 + r.int(Math.min(3, cps.length - at));
      const sd = cps.slice(at, at + len).join('');
      return {op: [{p: ['text', utf16Offset(data.text, at)], sd}], added: 0};
    }
  }
}

// textUnicodeOp returns a random text-unicode op (positions in code points).
function textUnicodeOp(r, text) {
  const n = codePoints(text).length;
  if (n === 0 || r.int(3) > 0) return textUnicode.insert(r.int(n + 1), r.text());
  const at = r.int(n);
  return textUnicode.remove(at, 1 + r.int(Math.min(3, n - at)));
}

function deltaText(delta) {
  return delta.ops.map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
}

// richTextOp returns a random Delta op (positions in UTF-16 code units).
function richTextOp(r, delta) {
  const text = deltaText(delta);
  const n = codePoints(text).length;
  const kind = n === 0 ? 0 : r.int(4);
  const at = r.int(kind === 0 ? n + 1 : n);
  const retain = utf16Offset(text, at);
  const ops = retain > 0 ? [{retain}] : [];
  const len = 1 + r.int(Math.min(3, Math.max(1, n - at)));
  const span = codePoints(text).slice(at, at + len).join('').length;
  if (kind <= 1) {
    const insert = {insert: r.text()};
    if (r.int(2)) insert.attributes = {bold: true};
    ops.push(insert);
  } else if (kind === 2) {
    ops.push({delete: span});
  } else {
    ops.push({retain: span, attributes: {italic: r.int(2) ? true : null}});
  }
  return ops;
}

module.exports = {Random, codePoints, utf16Offset, json0Op, textUnicodeOp, richTextOp, deltaText};
