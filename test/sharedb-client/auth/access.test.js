'use strict';
// Access control seen by an unmodified sharedb client. Run by
// cmd/server TestSharedbClientAccessControl against a Weft server started
// with an HMAC key; it passes the server's URL and two tokens:
//   WEFT_URL            ws://host:port/
//   WEFT_TOKEN_WRITER   may write (and so read) <collection>/*
//   WEFT_TOKEN_READER   may only read <collection>/*
//   WEFT_COLLECTION     the collection both tokens cover
// Every wait is an event bounded by SHAREDB_SUITE_TIMEOUT_MS.

const {test, after} = require('node:test');
const assert = require('node:assert/strict');
const WebSocket = require('ws');
const {ShareDB, call, callError, waitFor, withTimeout, JSON0_URI} = require('../suite/helpers');

const URL = process.env.WEFT_URL;
const COLLECTION = process.env.WEFT_COLLECTION;
for (const v of ['WEFT_URL', 'WEFT_TOKEN_WRITER', 'WEFT_TOKEN_READER', 'WEFT_COLLECTION']) {
  if (!process.env[v]) throw new Error(v + ' must be set (this suite runs from cmd/server TestSharedbClientAccessControl)');
}

const open = [];
after(() => {
  for (const c of open) c.close();
});

// connect opens a sharedb Connection whose socket sends the token in the
// Authorization header, and records every message received.
async function connect(token) {
  const socket = new WebSocket(URL, {headers: {Authorization: 'Bearer ' + token}});
  const connection = new ShareDB.Connection(socket);
  const received = [];
  // A copy: the client strips "error" from the message as it handles it.
  connection.on('receive', (request) => received.push(JSON.parse(JSON.stringify(request.data))));
  open.push(connection);
  await waitFor(connection, ['state'], () => connection.state === 'connected', 'connected');
  return {connection, received, socket};
}

test('a read-only user can read, and its op is rolled back with ERR_OP_SUBMIT_REJECTED', async () => {
  const writer = await connect(process.env.WEFT_TOKEN_WRITER);
  const reader = await connect(process.env.WEFT_TOKEN_READER);
  const id = 'ro-' + Date.now();
  const w = writer.connection.get(COLLECTION, id);
  await call('writer creates', (cb) => w.create({n: 1, title: 'hello'}, 'json0', cb));

  const r = reader.connection.get(COLLECTION, id);
  await call('reader subscribes', (cb) => r.subscribe(cb));
  assert.deepEqual(r.data, {n: 1, title: 'hello'});

  // The client applies the op locally at once; the server refuses it and
  // the client inverts it. sharedb reports no error to the op's callback
  // for this code (it treats the rejection as intended).
  let appliedLocally = false;
  const submitted = call('reader submits', (cb) => {
    r.submitOp([{p: ['n'], na: 41}], cb);
    appliedLocally = r.data.n === 42;
  });
  await submitted;
  assert.ok(appliedLocally, 'the op was applied locally before the server answered');
  const rejection = reader.received.find((m) => m.a === 'op' && m.error);
  assert.ok(rejection, 'the server answered the op with an error');
  assert.equal(rejection.error.code, 'ERR_OP_SUBMIT_REJECTED');
  assert.deepEqual(r.data, {n: 1, title: 'hello'}, 'the op was rolled back');
  assert.equal(r.version, 1);
  assert.equal(r.hasWritePending(), false);

  // A delete is refused the same way, and the document survives.
  reader.received.length = 0;
  await call('reader deletes', (cb) => r.del(cb));
  assert.equal(reader.received.find((m) => m.a === 'op' && m.error).error.code, 'ERR_OP_SUBMIT_REJECTED');
  await waitFor(r, ['load', 'create'], () => r.type && r.type.uri === JSON0_URI && r.data && r.data.n === 1,
    'reader reloads the document after the refused delete');

  // The writer's view and a fresh fetch agree: nothing the reader did landed,
  // and the reader still receives the writer's edits.
  await call('writer edits', (cb) => w.submitOp([{p: ['n'], na: 1}], cb));
  await waitFor(r, ['op'], () => r.data.n === 2, 'reader sees the writer\'s op');
  const fresh = (await connect(process.env.WEFT_TOKEN_WRITER)).connection.get(COLLECTION, id);
  await call('fresh fetch', (cb) => fresh.fetch(cb));
  assert.equal(fresh.version, 2);
  assert.deepEqual(fresh.data, {n: 2, title: 'hello'});
});

test('a create by a read-only user is refused and nothing is created', async () => {
  const reader = await connect(process.env.WEFT_TOKEN_READER);
  const id = 'ro-create-' + Date.now();
  const r = reader.connection.get(COLLECTION, id);
  await call('reader creates', (cb) => r.create({x: 1}, 'json0', cb));
  assert.equal(reader.received.find((m) => m.a === 'op' && m.error).error.code, 'ERR_OP_SUBMIT_REJECTED');
  await waitFor(r, ['load'], () => r.type === null && r.version === 0, 'reader refetches the missing document');
});

test('reading outside the grant gives ERR_SNAPSHOT_READS_REJECTED', async () => {
  const reader = await connect(process.env.WEFT_TOKEN_READER);
  const doc = reader.connection.get(COLLECTION + '-private', 'x');
  const err = await callError('fetch outside the grant', (cb) => doc.fetch(cb));
  assert.equal(err.code, 'ERR_SNAPSHOT_READS_REJECTED');
  const err2 = await callError('subscribe outside the grant', (cb) => doc.subscribe(cb));
  assert.equal(err2.code, 'ERR_SNAPSHOT_READS_REJECTED');
  assert.equal(doc.subscribed, false);
});

test('a connection without a token is refused with 401', async () => {
  const socket = new WebSocket(URL);
  const status = await withTimeout(new Promise((resolve) => {
    socket.on('unexpected-response', (req, res) => {
      resolve(res.statusCode);
      req.destroy();
    });
    socket.on('open', () => resolve('open'));
    socket.on('error', () => {});
  }), 'refused upgrade');
  assert.equal(status, 401);
});
