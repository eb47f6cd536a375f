// Property tests for the plain-text binding's offset conversion: CodeMirror
// changes (UTF-16) -> text-unicode ops (code points) and back must agree with
// the type's own apply on random text full of astral characters.
// Usage: node test/unit.mjs
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {ChangeSet, Text} from '@codemirror/state';
import {type} from 'ot-text-unicode';
import {HeldEdits, changesToOp, loneSurrogateIn, opToChanges} from '../src/plaintext.js';
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

// typeAstral feeds held an astral character typed at UTF-16 offset at of
// doc the way Firefox delivers it: one update per UTF-16 unit. remoteOp, if
// given, is a text-unicode op against doc.data arriving between the halves.
// It returns what the editor shows and what doc.data becomes.
function typeAstral(text, at, ch, remoteOp) {
  const held = new HeldEdits();
  let shown = Text.of(text.split('\n'));
  let data = text;
  const local = (spec) => {
    const cs = ChangeSet.of(spec, shown.length);
    const before = shown;
    shown = cs.apply(shown);
    return held.local(cs, before, shown);
  };
  const first = local({from: at, insert: ch[0]});
  assert.equal(first, null, 'the first half is held');
  assert.ok(loneSurrogateIn(held.changes, shown));
  let caret = at + 1; // just after the first half
  if (remoteOp) {
    const cs = held.remote(ChangeSet.of(opToChanges(remoteOp, data), data.length));
    data = type.apply(data, remoteOp);
    shown = cs.apply(shown);
    caret = cs.mapPos(caret, -1);
    assert.equal(held.base.toString(), data, 'the held edits\' base follows doc.data');
  }
  const done = local({from: caret, insert: ch[1]});
  assert.ok(done && !done.strip, 'the second half completes the pair');
  const op = changesToOp(done.changes, done.base);
  assert.ok(op.every((c) => typeof c !== 'string' || !/[\ud800-\udfff]/.test(c.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))),
    `op has no lone surrogate: ${JSON.stringify(op)}`);
  data = type.apply(data, type.normalize(op));
  assert.equal(held.holding, false);
  return {shown: shown.toString(), data};
}

test('an astral character typed one UTF-16 unit at a time is submitted whole', () => {
  for (const [text, at] of [['', 0], ['ab', 1], ['a😀b', 3], ['x\ny', 2]]) {
    const {shown, data} = typeAstral(text, at, '🚀');
    assert.equal(shown, text.slice(0, at) + '🚀' + text.slice(at));
    assert.equal(data, shown);
  }
});

test('remote ops between the two halves are mapped over the held edit', () => {
  const r = rng(4);
  for (let k = 0; k < 500; k++) {
    const text = randomText(r, r(10));
    const b = boundaries(text);
    const at = b[r(b.length)];
    const n = cpLen(text);
    const p = r(n + 1);
    const remote = type.normalize(r(2) && p < n ? [p, {d: 1 + r(n - p)}] : [p, randomText(r, 1 + r(2))]);
    const {shown, data} = typeAstral(text, at, '𝔸', remote);
    assert.equal(shown, data, JSON.stringify({text, at, remote}));
    assert.equal(cpLen(data), [...data].length);
    assert.ok(data.includes('𝔸'));
  }
});

test('half a pair left by a second update is stripped, never submitted', () => {
  const held = new HeldEdits();
  let shown = Text.of(['ab']);
  const step = (spec) => {
    const cs = ChangeSet.of(spec, shown.length);
    const before = shown;
    shown = cs.apply(shown);
    return held.local(cs, before, shown);
  };
  assert.equal(step({from: 1, insert: '\ud83d'}), null);
  const out = step({from: 3, insert: 'c'});
  assert.deepEqual(out, {strip: [{from: 1, to: 2}]});
  const done = step(out.strip);
  assert.equal(shown.toString(), 'abc');
  assert.deepEqual(changesToOp(done.changes, done.base), [2, 'c']);
});
