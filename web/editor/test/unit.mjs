// Property tests for the plain-text binding's offset conversion: CodeMirror
// changes (UTF-16) -> text-unicode ops (code points) and back must agree with
// the type's own apply on random text full of astral characters.
// Usage: node test/unit.mjs
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {ChangeSet, Text} from '@codemirror/state';
import {type} from 'ot-text-unicode';
import {changesToOp, opToChanges} from '../src/plaintext.js';
import {cpLen, cpToUtf16, utf16ToCp} from '../src/util.js';

const PIECES = ['a', 'é', '😀', '👩‍👩‍👧', '中', '\n', '𝔸', 'xyz', '\u0301'];

function rng(seed) {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
}

function randomText(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[r(PIECES.length)];
  return s;
}

// boundaries lists the UTF-16 offsets of s that are not inside a surrogate pair.
function boundaries(s) {
  const out = [0];
  for (let i = 0; i < s.length;) {
    i += s.codePointAt(i) > 0xffff ? 2 : 1;
    out.push(i);
  }
  return out;
}

test('cpLen, cpToUtf16 and utf16ToCp agree with the string iterator', () => {
  const r = rng(1);
  for (let k = 0; k < 200; k++) {
    const s = randomText(r, r(20));
    assert.equal(cpLen(s), [...s].length);
    const b = boundaries(s);
    b.forEach((off, cp) => {
      assert.equal(cpToUtf16(s, cp), off);
      assert.equal(utf16ToCp(s, off), cp);
    });
  }
});

test('changesToOp matches CodeMirror for random multi-range changes', () => {
  const r = rng(2);
  for (let k = 0; k < 2000; k++) {
    const old = randomText(r, r(15));
    const b = boundaries(old);
    const picks = [...new Set(Array.from({length: r(6) * 2}, () => b[r(b.length)]))].sort((x, y) => x - y);
    const specs = [];
    for (let i = 0; i + 1 < picks.length; i += 2) {
      specs.push({from: picks[i], to: r(2) ? picks[i + 1] : picks[i], insert: r(2) ? randomText(r, r(3)) : ''});
    }
    const cs = ChangeSet.of(specs, old.length);
    const want = cs.apply(Text.of(old.split('\n'))).toString();
    const op = changesToOp(cs, old);
    assert.equal(type.apply(old, type.normalize(op)), want, JSON.stringify({old, specs, op}));
    assert.deepEqual(changesToOp(cs, Text.of(old.split('\n'))), op);
  }
});

test('opToChanges matches text-unicode apply for random ops', () => {
  const r = rng(3);
  for (let k = 0; k < 2000; k++) {
    const old = randomText(r, r(15));
    const n = cpLen(old);
    const op = [];
    let pos = 0;
    while (pos < n && r(4)) {
      const skip = r(n - pos + 1);
      if (skip) op.push(skip);
      pos += skip;
      if (r(2) && pos < n) {
        const d = 1 + r(n - pos);
        op.push(r(2) ? {d} : {d: [...old].slice(pos, pos + d).join('')});
        pos += d;
      }
      if (r(2)) op.push(randomText(r, 1 + r(3)));
    }
    const norm = type.normalize(op);
    const want = type.apply(old, norm);
    const got = ChangeSet.of(opToChanges(norm, old), old.length).apply(Text.of(old.split('\n'))).toString();
    assert.equal(got, want, JSON.stringify({old, op: norm}));
  }
});
