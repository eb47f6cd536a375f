'use strict';
// Delete and re-create, and snapshots at a version or a time.

const {test} = require('node:test');
const assert = require('node:assert/strict');
const {useSuite, docs, unique, freshFetch, ping, plain, call, callError, waitFor,
  JSON0_URI, RICH_TEXT_URI, TEXT_UNICODE_URI} = require('./helpers');

const suite = useSuite();

function fetchSnapshot(client, collection, id, v) {
  return call('nf ' + id + ' v' + v, (cb) => client.connection.fetchSnapshot(collection, id, v, cb));
}

function fetchSnapshotAt(client, collection, id, ts) {
  return call('nt ' + id + ' ts' + ts, (cb) => client.connection.fetchSnapshotByTimestamp(collection, id, ts, cb));
}

// clockPast returns once the wall clock is past ts; each step is a ping round
// trip, so the wait is driven by server replies and bounded in count.
async function clockPast(client, ts) {
  for (let i = 0; i < 10000 && Date.now() <= ts; i++) await ping(client);
  assert.ok(Date.now() > ts, 'clock advanced');
  return Date.now();
}

test('delete and re-create: versions continue and the type may change', async () => {
  const collection = unique('lifecycle');
  const [a, b] = await Promise.all([suite.connect({name: 'a'}), suite.connect({name: 'b'})]);
  const docA = a.get(collection, 'd');
  await docs.create(docA, {a: 1}, 'json0');
  await docs.submit(docA, [{p: ['a'], na: 1}]);
  const docB = b.get(collection, 'd');
  await docs.subscribe(docB);
  assert.equal(docB.version, 2);

  const deleted = waitFor(docB, ['del'], () => docB.type === null, 'b sees the delete');
  await docs.del(docA);
  assert.equal(docA.version, 3, 'a delete adds one version');
  assert.equal(docA.type, null);
  await deleted;
  assert.equal(docB.version, 3);
  assert.equal(docB.data, undefined);
  assert.deepEqual(await freshFetch(suite, collection, 'd'), {v: 3, type: null, data: undefined},
    'a deleted doc reads as type null at its version');

  const created = waitFor(docB, ['create'], () => docB.type !== null, 'b sees the re-create');
  await docs.create(docA, [{insert: 'again\n'}], 'rich-text');
  assert.equal(docA.version, 4, 'the re-create is acked at v3');
  await created;
  assert.equal(docB.version, 4);
  assert.equal(docB.type.uri, RICH_TEXT_URI, 'the type changed on the subscriber');
  assert.deepEqual(plain(docB.data), {ops: [{insert: 'again\n'}]});

  await docs.submit(docA, [{insert: '>'}]);
  await docs.atVersion(docB, 5);
  const want = {ops: [{insert: '>again\n'}]};
  assert.deepEqual(plain(docB.data), want);
  assert.deepEqual(await freshFetch(suite, collection, 'd'), {v: 5, type: RICH_TEXT_URI, data: want});

  // The history survives the delete: every version reads back.
  const history = [
    [0, null, undefined], [1, JSON0_URI, {a: 1}], [2, JSON0_URI, {a: 2}], [3, null, undefined],
    [4, RICH_TEXT_URI, {ops: [{insert: 'again\n'}]}], [5, RICH_TEXT_URI, want],
  ];
  for (const [v, type, data] of history) {
    const snap = await fetchSnapshot(b, collection, 'd', v);
    assert.equal(snap.v, v, 'nf v' + v + ' version');
    assert.equal(snap.type, type, 'nf v' + v + ' type');
    assert.deepEqual(plain(snap.data), data, 'nf v' + v + ' data');
  }

  // A second delete and a re-create with the same type keep counting.
  await docs.del(docA);
  await docs.create(docA, 'third', 'text-unicode');
  assert.equal(docA.version, 7);
  await docs.atVersion(docB, 7);
  assert.equal(docB.type.uri, TEXT_UNICODE_URI);
  assert.equal(docB.data, 'third');
});

test('snapshot at a version and at a time', async () => {
  const collection = unique('snap');
  const a = await suite.connect({name: 'a'});
  const doc = a.get(collection, 's');
  const t0 = await clockPast(a, Date.now());
  await clockPast(a, t0);
  await docs.create(doc, 'α', 'text-unicode');
  const t1 = Date.now();
  await clockPast(a, t1);
  await docs.submit(doc, [1, 'β']);
  const t2 = Date.now();
  await clockPast(a, t2);
  await docs.submit(doc, [2, '🎉']);
  const t3 = Date.now();

  const byVersion = [[0, null, undefined], [1, TEXT_UNICODE_URI, 'α'], [2, TEXT_UNICODE_URI, 'αβ'],
    [3, TEXT_UNICODE_URI, 'αβ🎉'], [null, TEXT_UNICODE_URI, 'αβ🎉']];
  for (const [v, type, data] of byVersion) {
    const snap = await fetchSnapshot(a, collection, 's', v);
    assert.equal(snap.id, 's');
    assert.equal(snap.v, v === null ? 3 : v, 'nf ' + v + ' version');
    assert.equal(snap.type, type, 'nf ' + v + ' type');
    assert.equal(snap.data, data, 'nf ' + v + ' data');
  }
  await callError('nf beyond the current version',
    (cb) => a.connection.fetchSnapshot(collection, 's', 9, cb));

  const byTime = [[t0, 0, null, undefined], [t1, 1, TEXT_UNICODE_URI, 'α'], [t2, 2, TEXT_UNICODE_URI, 'αβ'],
    [t3, 3, TEXT_UNICODE_URI, 'αβ🎉'], [null, 3, TEXT_UNICODE_URI, 'αβ🎉']];
  for (const [ts, v, type, data] of byTime) {
    const label = ts === null ? 'null' : 't' + byTime.findIndex((row) => row[0] === ts);
    const snap = await fetchSnapshotAt(a, collection, 's', ts);
    assert.equal(snap.v, v, 'nt ' + label + ' version');
    assert.equal(snap.type, type, 'nt ' + label + ' type');
    assert.equal(snap.data, data, 'nt ' + label + ' data');
  }

  const never = await fetchSnapshot(a, collection, 'never', null);
  assert.equal(never.v, 0);
  assert.equal(never.type, null);
});
