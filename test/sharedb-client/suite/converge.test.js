'use strict';
// Concurrent random edits from several clients converge on every type.

const {test} = require('node:test');
const assert = require('node:assert/strict');
const {useSuite, docs, unique, freshFetch, ping, plain} = require('./helpers');
const {Random, json0Op, textUnicodeOp, richTextOp} = require('./gen');

const suite = useSuite();

const CLIENTS = Number(process.env.SHAREDB_SUITE_CLIENTS || 5);
const ROUNDS = Number(process.env.SHAREDB_SUITE_ROUNDS || 40);
const SEED = Number(process.env.SHAREDB_SUITE_SEED || Math.floor(Math.random() * 2 ** 31));

const TYPES = [
  {name: 'json0', id: 'j', initial: {n: 0, list: [], text: 'héllo 世界'}, gen: (r, doc) => json0Op(r, doc.data)},
  {name: 'text-unicode', id: 't', initial: 'start 🎉 中文 ', gen: (r, doc) => textUnicodeOp(r, doc.data)},
  {name: 'rich-text', id: 'r', initial: [{insert: 'rich 😀 text\n'}], gen: (r, doc) => richTextOp(r, doc.data)},
];

test('concurrent random edits from several clients converge', async (t) => {
  t.diagnostic('seed ' + SEED + ' (set SHAREDB_SUITE_SEED to replay)');
  const r = new Random(SEED);
  const collection = unique('converge');
  const clients = [];
  for (let i = 0; i < CLIENTS; i++) clients.push(await suite.connect({name: 'c' + i}));

  const creator = clients[0];
  for (const type of TYPES) await docs.create(creator.get(collection, type.id), type.initial, type.name);
  const all = clients.map((client) => TYPES.map((type) => client.get(collection, type.id)));
  await Promise.all(all.flat().map((doc) => docs.subscribe(doc)));
  // Count remote ops that arrived while the receiver had its own op in flight:
  // those are the ones the server and the client both had to transform.
  let concurrent = 0;
  for (const doc of all.flat()) {
    doc.on('op batch', (_op, source) => {
      if (!source && doc.inflightOp) concurrent++;
    });
  }

  let expectedN = 0;
  const acks = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let c = 0; c < clients.length; c++) {
      for (let k = 0; k < TYPES.length; k++) {
        if (r.int(3) === 0) continue;
        const doc = all[c][k];
        if (TYPES[k].name === 'json0') {
          const {op, added} = json0Op(r, doc.data);
          expectedN += added;
          acks.push(docs.submit(doc, op));
        } else {
          acks.push(docs.submit(doc, TYPES[k].gen(r, doc)));
        }
      }
    }
    // Let replies and broadcasts flow between bursts, so edits interleave.
    if (r.int(4) > 0) await ping(r.pick(clients));
  }
  await Promise.all(acks);
  await Promise.all(all.flat().map((doc) => docs.settled(doc)));

  for (let k = 0; k < TYPES.length; k++) {
    const fresh = await freshFetch(suite, collection, TYPES[k].id);
    assert.ok(fresh.v > 1, TYPES[k].name + ': edits were committed');
    assert.doesNotMatch(JSON.stringify(fresh.data), /\\ud[89a-f]/i, 'no lone surrogates in the text');
    for (let c = 0; c < clients.length; c++) {
      const doc = all[c][k];
      await docs.atVersion(doc, fresh.v);
      assert.equal(doc.version, fresh.v, TYPES[k].name + ' c' + c + ' version');
      assert.deepEqual(plain(doc.data), fresh.data, TYPES[k].name + ' c' + c + ' data equals a fresh fetch');
    }
    if (TYPES[k].name === 'json0') assert.equal(fresh.data.n, expectedN, 'every increment applied exactly once');
  }
  t.diagnostic('remote ops received with an op in flight: ' + concurrent);
  assert.ok(concurrent > 0, 'the run produced concurrent edits');
  for (const client of clients) assert.deepEqual(client.errors, [], client.name + ' connection errors');
});
