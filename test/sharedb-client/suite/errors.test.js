'use strict';
// Error replies: the client sees the error, nothing is applied, and other
// clients keep working.

const {test} = require('node:test');
const assert = require('node:assert/strict');
const {useSuite, docs, unique, freshFetch, callError, waitFor, withTimeout, ShareDB,
  MAX_MESSAGE_BYTES, JSON0_URI} = require('./helpers');

const suite = useSuite();

// A type only this client knows; the server must refuse to create it.
ShareDB.types.register({
  name: 'weft-test-unknown',
  uri: 'http://weft.test/types/unknown/v1',
  create: (data) => data,
  apply: (snapshot) => snapshot,
  transform: (op) => op,
  compose: (a, b) => b,
});

test('create on an existing document gives ERR_DOC_ALREADY_CREATED', async () => {
  const collection = unique('errors');
  const [a, b] = await Promise.all([suite.connect({name: 'a'}), suite.connect({name: 'b'})]);
  await docs.create(a.get(collection, 'x'), {owner: 'a'}, 'json0');
  const docB = b.get(collection, 'x');
  const err = await callError('second create', (cb) => docB.create({owner: 'b'}, 'json0', cb));
  assert.equal(err.code, 'ERR_DOC_ALREADY_CREATED');
  // The client rolls back by fetching the real document.
  await waitFor(docB, ['load', 'create'], () => docB.version === 1 && docB.data && docB.data.owner === 'a',
    'b reloads the existing doc');
  assert.deepEqual(await freshFetch(suite, collection, 'x'), {v: 1, type: JSON0_URI, data: {owner: 'a'}});
});

test('an op on a deleted document gives ERR_DOC_WAS_DELETED', async () => {
  const collection = unique('errors');
  const [a, b] = await Promise.all([suite.connect({name: 'a'}), suite.connect({name: 'b'})]);
  const docA = a.get(collection, 'x');
  await docs.create(docA, {n: 0}, 'json0');
  const docB = b.get(collection, 'x');
  await docs.fetch(docB);
  await docs.del(docA);

  const err = await callError('op on a deleted doc', (cb) => docB.submitOp([{p: ['n'], na: 1}], cb));
  assert.equal(err.code, 'ERR_DOC_WAS_DELETED');
  assert.deepEqual(docB.data, {n: 0}, 'the client rolled its op back');
  await docs.fetch(docB);
  assert.equal(docB.type, null, 'a fetch shows the delete');
  assert.equal(docB.version, 2);
  assert.deepEqual(await freshFetch(suite, collection, 'x'), {v: 2, type: null, data: undefined});

  // At the current version there is nothing to transform against.
  const raw = await suite.raw();
  const reply = await raw.request(
    {a: 'op', c: collection, d: 'x', v: 2, seq: 1, x: {}, op: [{p: ['n'], na: 1}]},
    (m) => m.a === 'op' && m.d === 'x');
  assert.equal(reply.error && reply.error.code, 'ERR_DOC_DOES_NOT_EXIST');
});

test('an unknown type is refused and nothing is created', async () => {
  const collection = unique('errors');
  const [a, b] = await Promise.all([suite.connect({name: 'a'}), suite.connect({name: 'b'})]);
  const docA = a.get(collection, 'x');
  const err = await callError('create with an unknown type',
    (cb) => docA.create('data', 'weft-test-unknown', cb));
  assert.equal(err.code, 'ERR_OT_OP_BADLY_FORMED');
  assert.deepEqual(await freshFetch(suite, collection, 'x'), {v: 0, type: null, data: undefined});
  // The id is still free for a known type.
  await docs.create(b.get(collection, 'x'), 'ok', 'text-unicode');
  assert.equal((await freshFetch(suite, collection, 'x')).v, 1);
});

test('an oversize op is refused and other clients keep working', async (t) => {
  t.diagnostic('max message bytes ' + MAX_MESSAGE_BYTES + ' (SHAREDB_MAX_MESSAGE_BYTES)');
  const collection = unique('errors');
  const [big, other] = await Promise.all([suite.connect({name: 'big'}), suite.connect({name: 'other'})]);
  const docOther = other.get(collection, 'x');
  await docs.create(docOther, {s: ''}, 'json0');
  await docs.subscribe(docOther);
  const docBig = big.get(collection, 'x');
  await docs.subscribe(docBig);

  const huge = 'x'.repeat(MAX_MESSAGE_BYTES + 1024);
  const outcome = await withTimeout(new Promise((resolve) => {
    big.connection.on('state', (state) => {
      if (state !== 'connected') resolve('state ' + state);
    });
    docBig.submitOp([{p: ['s', 0], si: huge}], (err) => resolve(err ? 'error' : 'acked'));
  }), 'oversize op outcome');
  t.diagnostic('oversize op outcome: ' + outcome);
  assert.notEqual(outcome, 'acked', 'the server refused the oversize op');

  await docs.submit(docOther, [{p: ['s', 0], si: 'small'}]);
  const fresh = await freshFetch(suite, collection, 'x');
  assert.deepEqual(fresh, {v: 2, type: JSON0_URI, data: {s: 'small'}}, 'only the small op was applied');
  assert.equal(other.connection.state, 'connected');
});

test('raw frames: unknown action, future version, duplicate op', async () => {
  const collection = unique('raw');
  const raw = await suite.raw();
  const zz = await raw.request({a: 'zz'}, (m) => m.a === 'zz');
  assert.equal(zz.error && zz.error.code, 'ERR_MESSAGE_BADLY_FORMED');

  const create = {a: 'op', c: collection, d: 'r', v: null, src: raw.id, seq: 1, x: {},
    create: {type: 'json0', data: {list: []}}};
  const created = await raw.request(create, (m) => m.a === 'op' && m.seq === 1);
  assert.equal(created.error, undefined);
  assert.equal(created.v, 0);

  const op = {a: 'op', c: collection, d: 'r', v: 1, src: raw.id, seq: 2, x: {}, op: [{p: ['list', 0], li: 'a'}]};
  const first = await raw.request(op, (m) => m.a === 'op' && m.seq === 2);
  assert.equal(first.v, 1);
  const again = await raw.request(op, (m) => m.a === 'op' && m.seq === 2);
  assert.equal(again.error, undefined, 'a duplicate is acked, not refused');
  assert.equal(again.v, 1, 'the duplicate ack names the original version');
  const createAgain = await raw.request(create, (m) => m.a === 'op' && m.seq === 1);
  assert.equal(createAgain.error, undefined, 'a resubmitted create is acked');
  assert.equal(createAgain.v, 0);

  const future = await raw.request({a: 'op', c: collection, d: 'r', v: 99, src: raw.id, seq: 3, x: {},
    op: [{p: ['list', 0], li: 'z'}]}, (m) => m.a === 'op' && m.seq === 3);
  assert.equal(future.error && future.error.code, 'ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT');

  const fetched = await raw.request({a: 'f', c: collection, d: 'r', v: null}, (m) => m.a === 'f' && m.d === 'r');
  assert.deepEqual(fetched.data, {v: 2, data: {list: ['a']}}, 'applied once; json0 omits the type');
});
