'use strict';
// editor.js: one unmodified sharedb npm client editing Weft documents, for
// test/cluster. It connects to WEFT_URL, subscribes to the documents in
// WEFT_DOCS (comma-separated ids in collection WEFT_COLLECTION), then submits
// WEFT_OPS inserts one at a time, each carrying the unique token
// "<WEFT_NAME.i>" at a random offset outside other tokens, and prints one
// JSON line per acknowledged op: {"ack": {doc, token, src, seq}}. Then it
// prints {"done": true} and reads one JSON line from stdin, {"heads":
// {id: version}}, waits (driven by op events, bounded) until every document
// reaches its head, prints {"final": {id: {"v": v, "data": text}}} and
// exits. Errors print {"error": message} and exit 1.
//
// Run with NODE_PATH pointing at tools/sharedb-ref/node_modules.

const WebSocket = require('ws');
const ShareDB = require('sharedb/lib/client');
const readline = require('readline');
ShareDB.types.register(require('ot-text-unicode').type);

const url = process.env.WEFT_URL;
const collection = process.env.WEFT_COLLECTION;
const ids = process.env.WEFT_DOCS.split(',');
const ops = Number(process.env.WEFT_OPS);
const name = process.env.WEFT_NAME;
const TIMEOUT_MS = 60000;

function out(obj) { process.stdout.write(JSON.stringify(obj) + '\n'); }
function fail(err) { out({error: String(err && err.stack || err)}); process.exit(1); }
setTimeout(() => fail('editor timed out'), 4 * TIMEOUT_MS).unref();

// A small deterministic generator, seeded by the name.
let state = 0;
for (const ch of name) state = (state * 31 + ch.charCodeAt(0)) >>> 0;
function rand(n) {
  state = (state * 1103515245 + 12345) >>> 0;
  return (state >>> 8) % n;
}

function call(fn) {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

// insertPoints: code point offsets not inside a <token>.
function insertPoints(text) {
  const cuts = [0];
  let inside = false;
  let i = 0;
  for (const ch of text) {
    i++;
    if (ch === '<') inside = true;
    else if (ch === '>') inside = false;
    if (!inside) cuts.push(i);
  }
  return cuts;
}

const fillers = ['', 'a', 'é', '字', '😀', '👩‍💻', ' ', '\n'];

async function edit(docs) {
  for (let i = 0; i < ops; i++) {
    const doc = docs[rand(docs.length)];
    const cuts = insertPoints(doc.data);
    const pos = cuts[rand(cuts.length)];
    const token = '<' + name + '.' + i + '>';
    const text = token + fillers[rand(fillers.length)];
    const op = pos === 0 ? [text] : [pos, text];
    let sent;
    await call((cb) => {
      doc.submitOp(op, cb);
      sent = doc.inflightOp || doc.pendingOps[doc.pendingOps.length - 1];
    });
    out({ack: {doc: doc.id, token, src: sent.src, seq: sent.seq}});
  }
}

function waitHeads(docs, heads) {
  return Promise.all(docs.map((doc) => new Promise((resolve, reject) => {
    const check = () => {
      if (doc.version >= heads[doc.id]) {
        doc.removeListener('op', check);
        resolve();
      }
    };
    doc.on('op', check);
    check();
    setTimeout(() => reject(new Error(doc.id + ' stuck at v' + doc.version + ', want ' + heads[doc.id])), TIMEOUT_MS).unref();
  })));
}

async function main() {
  const socket = new WebSocket(url);
  const connection = new ShareDB.Connection(socket);
  const docs = ids.map((id) => connection.get(collection, id));
  for (const doc of docs) await call((cb) => doc.subscribe(cb));
  await edit(docs);
  out({done: true});
  const rl = readline.createInterface({input: process.stdin});
  const line = await new Promise((resolve) => rl.once('line', resolve));
  rl.close();
  const {heads} = JSON.parse(line);
  await waitHeads(docs, heads);
  const final = {};
  for (const doc of docs) final[doc.id] = {v: doc.version, data: doc.data};
  out({final});
  connection.close();
  process.exit(0);
}

main().catch(fail);
