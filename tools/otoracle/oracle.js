'use strict';
// Weft's OT oracle: runs the npm reference OT types for the Go differential
// tests. JSON Lines on stdin and stdout, one response per request, in order.
//
// Request:  {"id":7,"type":"rich-text","fn":"transform","args":[op, other, "left"]}
//       or  {"id":8,"type":"json0","calls":[{"fn":"apply","args":[...]}, ...]}
// Response: {"id":7,"ok":true,"undef":false,"result":...}
//       or  {"id":7,"ok":false,"error":{"name":"Error","message":"..."}}
//       and for "calls": {"id":8,"results":[<one response body per call>]}
//
// Arguments are deep-copied for every call, so in-place mutation inside a
// reference (json0.apply, text-unicode normalize) cannot leak between calls.
// Output is canonical: object keys sorted, undefined members dropped, every
// non-ASCII UTF-16 unit escaped as \uXXXX (so lone surrogates survive).

const readline = require('readline');
const textUnicode = require('ot-text-unicode');
const richText = require('rich-text');
const json0 = require('ot-json0');
const text0 = require('ot-json0/lib/text0');
const Delta = richText.Delta;

function versionOf(name) {
  return require(name + '/package.json').version;
}

const tu = textUnicode.type;
const rt = richText.type;
const j0 = json0.type;

const fns = {
  'text-unicode': {
    create: (...a) => tu.create(...a),
    apply: (...a) => tu.apply(...a),
    compose: (...a) => tu.compose(...a),
    transform: (...a) => tu.transform(...a),
    transformPosition: (...a) => tu.transformPosition(...a),
    transformSelection: (...a) => tu.transformSelection(...a),
    normalize: (...a) => tu.normalize(...a),
    checkOp: (...a) => tu.checkOp(...a),
    invert: (...a) => tu.invert(...a),
    makeInvertible: (...a) => tu.makeInvertible(...a),
    invertWithDoc: (...a) => tu.invertWithDoc(...a),
    stripInvertible: (...a) => tu.stripInvertible(...a),
    isInvertible: (...a) => tu.isInvertible(...a),
    isNoop: (...a) => tu.isNoop(...a),
    insert: (...a) => textUnicode.insert(...a),
    remove: (...a) => textUnicode.remove(...a),
  },
  'rich-text': {
    create: (...a) => rt.create(...a),
    apply: (...a) => rt.apply(...a),
    compose: (...a) => rt.compose(...a),
    transform: (...a) => rt.transform(...a),
    transformPresence: (...a) => rt.transformPresence(...a),
    transformCursor: (pos, op, own) => rt.transformCursor(pos, new Delta(op), own),
    normalize: (...a) => rt.normalize(...a),
    serialize: (...a) => rt.serialize(...a),
    deserialize: (...a) => rt.deserialize(...a),
    diff: (...a) => rt.diff(...a),
    invert: (op, base) => new Delta(op).invert(new Delta(base)),
    transformPosition: (pos, op, priority) => new Delta(op).transformPosition(pos, priority),
  },
  json0: {
    create: (...a) => j0.create(...a),
    apply: (...a) => j0.apply(...a),
    compose: (...a) => j0.compose(...a),
    transform: (...a) => j0.transform(...a),
    transformX: (...a) => j0.transformX(...a),
    normalize: (...a) => j0.normalize(...a),
    invert: (...a) => j0.invert(...a),
    checkValidOp: (...a) => j0.checkValidOp(...a),
    shatter: (...a) => j0.shatter(...a),
  },
  text0: {
    create: (...a) => text0.create(...a),
    apply: (...a) => text0.apply(...a),
    compose: (...a) => text0.compose(...a),
    transform: (...a) => text0.transform(...a),
    transformX: (...a) => text0.transformX(...a),
    transformCursor: (...a) => text0.transformCursor(...a),
    normalize: (...a) => text0.normalize(...a),
    invert: (...a) => text0.invert(...a),
  },
  meta: {
    versions: () => ({
      'ot-json0': versionOf('ot-json0'),
      'ot-text-unicode': versionOf('ot-text-unicode'),
      'quill-delta': versionOf('quill-delta'),
      'rich-text': versionOf('rich-text'),
      unicount: versionOf('unicount'),
      'fast-diff': versionOf('fast-diff'),
      node: process.versions.node,
    }),
    echo: (v) => v,
  },
};

// canon returns a plain JSON-able copy with keys sorted and undefined object
// members dropped (JSON.stringify drops them too). Delta instances become
// {ops:[...]}, which is how ShareDB sends and stores them.
function canon(v) {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((e) => (e === undefined ? null : canon(e)));
  const out = {};
  for (const k of Object.keys(v).sort()) {
    if (v[k] === undefined || typeof v[k] === 'function') continue;
    out[k] = canon(v[k]);
  }
  return out;
}

function asciiJSON(v) {
  return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) =>
    '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function run(type, fn, args) {
  const table = fns[type];
  if (!table || !Object.prototype.hasOwnProperty.call(table, fn)) {
    return { ok: false, error: { name: 'BadRequest', message: 'unknown type or fn: ' + type + '.' + fn } };
  }
  try {
    const copy = args === undefined ? [] : JSON.parse(JSON.stringify(args));
    const result = table[fn](...copy);
    if (result === undefined) return { ok: true, undef: true, result: null };
    // Round-trip through JSON.stringify semantics (Infinity -> null, Delta ->
    // its own fields) before canonicalising.
    return { ok: true, undef: false, result: canon(JSON.parse(JSON.stringify(result))) };
  } catch (e) {
    return { ok: false, error: { name: (e && e.name) || 'Error', message: String((e && e.message) || e) } };
  }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
let scheduled = false;
function flush() {
  scheduled = false;
  if (out.length) process.stdout.write(out.join(''));
  out.length = 0;
}
rl.on('line', (line) => {
  if (!line.trim()) return;
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    out.push(asciiJSON({ id: null, ok: false, error: { name: 'BadRequest', message: 'bad JSON: ' + e.message } }) + '\n');
  }
  if (req) {
    let resp;
    if (Array.isArray(req.calls)) {
      resp = { id: req.id, results: req.calls.map((c) => run(c.type || req.type, c.fn, c.args)) };
    } else {
      resp = Object.assign({ id: req.id }, run(req.type, req.fn, req.args));
    }
    out.push(asciiJSON(resp) + '\n');
  }
  if (out.length >= 256) flush();
  else if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
rl.on('close', flush);
