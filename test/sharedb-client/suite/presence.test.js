'use strict';
// Presence: channel presence, rich-text doc presence transformed by remote
// ops (on the receiver and, for stale presence, on the server), and the null
// presence that follows a client leaving.

const {test} = require('node:test');
const assert = require('node:assert/strict');
const {useSuite, docs, unique, call, waitFor, nextEvent} = require('./helpers');

const suite = useSuite();

function subscribe(presence) {
  return call('presence subscribe ' + presence.channel, (cb) => presence.subscribe(cb));
}

function submit(local, value) {
  return call('presence submit ' + local.presenceId, (cb) => local.submit(value, cb));
}

// remoteIs waits until presence holds value for id (null means gone).
function remoteIs(presence, id, check, label) {
  return waitFor(presence, ['receive'], () => check(presence.remotePresences[id]), label);
}

test('channel presence reaches other subscribers and clears when the sender leaves', async () => {
  const channel = unique('room');
  const [a, b] = await Promise.all([suite.connect({name: 'a'}), suite.connect({name: 'b'})]);
  const pa = a.connection.getPresence(channel);
  const pb = b.connection.getPresence(channel);
  await subscribe(pa);
  await subscribe(pb);
  const local = pa.create('me');
  await submit(local, {x: 1, name: 'Zoë 🎉'});
  await remoteIs(pb, 'me', (v) => v && v.x === 1, 'b sees a');
  assert.deepEqual(pb.remotePresences.me, {x: 1, name: 'Zoë 🎉'});
  assert.equal(pa.remotePresences.me, undefined, 'a does not receive its own presence');

  await submit(local, {x: 2});
  await remoteIs(pb, 'me', (v) => v && v.x === 2, 'b sees the update');

  // A client that subscribes later asks for, and receives, existing presence.
  const c = await suite.connect({name: 'c'});
  const pc = c.connection.getPresence(channel);
  await subscribe(pc);
  await remoteIs(pc, 'me', (v) => v && v.x === 2, 'c receives presence that existed before it joined');

  const gone = nextEvent(pb, 'receive', 'b sees a leave', (id, value) => id === 'me' && value === null);
  a.close();
  await gone;
  assert.equal('me' in pb.remotePresences, false);
});

test('doc presence: a remote insert before a cursor shifts it; a leaving client clears it', async () => {
  const collection = unique('presence');
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => suite.connect({name})));
  const docA = a.get(collection, 'p');
  await docs.create(docA, [{insert: 'Hello world\n'}], 'rich-text');
  const [docB, docC] = [b.get(collection, 'p'), c.get(collection, 'p')];
  await Promise.all([docs.subscribe(docA), docs.subscribe(docB), docs.subscribe(docC)]);

  const pa = a.connection.getDocPresence(collection, 'p');
  const pb = b.connection.getDocPresence(collection, 'p');
  await subscribe(pa);
  await subscribe(pb);
  const cursor = pa.create('cursor-a');
  await submit(cursor, {index: 5, length: 2});
  await remoteIs(pb, 'cursor-a', (v) => v && v.index === 5, 'b sees the cursor at 5');
  assert.deepEqual(pb.remotePresences['cursor-a'], {index: 5, length: 2});

  await docs.submit(docC, [{insert: 'XYZ'}]);
  await remoteIs(pb, 'cursor-a', (v) => v && v.index === 8, 'b shifts the cursor past the insert');
  assert.deepEqual(pb.remotePresences['cursor-a'], {index: 8, length: 2});
  await docs.atVersion(docA, 2);
  assert.deepEqual(cursor.value, {index: 8, length: 2}, 'the sender shifts its own cursor too');

  // An insert after the cursor leaves it alone.
  await docs.submit(docC, [{retain: 12}, {insert: '!'}]);
  await docs.atVersion(docB, 3);
  assert.deepEqual(pb.remotePresences['cursor-a'], {index: 8, length: 2});

  const gone = nextEvent(pb, 'receive', 'b sees a leave', (id, value) => id === 'cursor-a' && value === null);
  a.close();
  await gone;
  assert.equal('cursor-a' in pb.remotePresences, false, 'the leaving client presence is null on others');
});

test('doc presence sent at a stale version is transformed by the server', async () => {
  const collection = unique('stale');
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => suite.connect({name})));
  const docC = c.get(collection, 'p');
  await docs.create(docC, [{insert: 'Hello world\n'}], 'rich-text');
  const docA = a.get(collection, 'p');
  await docs.fetch(docA);
  const docB = b.get(collection, 'p');
  await docs.subscribe(docB);
  const pb = b.connection.getDocPresence(collection, 'p');
  await subscribe(pb);

  await docs.submit(docC, [{insert: 'XYZ'}]);
  await docs.atVersion(docB, 2);
  assert.equal(docA.version, 1, 'a is not subscribed and still at v1');

  const wire = nextEvent(b.connection, 'receive', 'b receives the presence message',
    (request) => request.data && request.data.a === 'p' && request.data.id === 'cursor-a');
  const cursor = a.connection.getDocPresence(collection, 'p').create('cursor-a');
  await submit(cursor, {index: 5, length: 0});
  const [request] = await wire;
  assert.equal(request.data.v, 2, 'the server brought the presence to the current version');
  assert.deepEqual(request.data.p, {index: 8, length: 0}, 'the server shifted the cursor past the insert');
  await remoteIs(pb, 'cursor-a', (v) => v && v.index === 8, 'b shows the shifted cursor');
});
