'use strict';
// Bulk fetch, subscribe and unsubscribe (startBulk/endBulk), and ping.

const {test} = require('node:test');
const assert = require('node:assert/strict');
const {useSuite, docs, unique, nextEvent, withTimeout, plain,
  JSON0_URI, TEXT_UNICODE_URI, RICH_TEXT_URI} = require('./helpers');

const suite = useSuite();

const SEEDS = [
  {id: 'j', type: 'json0', uri: JSON0_URI, initial: {n: 1}, op: [{p: ['n'], na: 1}], after: {n: 2}},
  {id: 't', type: 'text-unicode', uri: TEXT_UNICODE_URI, initial: '世界', op: [2, '🎉'], after: '世界🎉'},
  {id: 'r', type: 'rich-text', uri: RICH_TEXT_URI, initial: [{insert: 'a\n'}], op: [{insert: 'ß'}],
    after: {ops: [{insert: 'ßa\n'}]}},
];

// recordSends returns the list of messages the client sends from now on.
function recordSends(client) {
  const sent = [];
  client.connection.on('send', (m) => sent.push(m));
  return sent;
}

// bulk runs action on every doc inside one startBulk/endBulk batch.
function bulk(client, list, action) {
  client.connection.startBulk();
  const done = list.map((doc) => new Promise((resolve, reject) => {
    doc[action]((err) => (err ? reject(err) : resolve()));
  }));
  client.connection.endBulk();
  return withTimeout(Promise.all(done), 'bulk ' + action);
}

test('bulk fetch, bulk subscribe by version and by null, bulk unsubscribe', async () => {
  const collection = unique('bulk');
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => suite.connect({name})));
  const docsA = SEEDS.map((s) => a.get(collection, s.id));
  for (let i = 0; i < SEEDS.length; i++) await docs.create(docsA[i], SEEDS[i].initial, SEEDS[i].type);

  const docsB = SEEDS.map((s) => b.get(collection, s.id));
  const missing = b.get(collection, 'missing');
  let sent = recordSends(b);
  await bulk(b, [...docsB, missing], 'fetch');
  assert.deepEqual(sent.map((m) => [m.a, m.b]), [['bf', ['j', 't', 'r', 'missing']]], 'one bf message');
  for (let i = 0; i < SEEDS.length; i++) {
    assert.equal(docsB[i].version, 1);
    assert.equal(docsB[i].type.uri, SEEDS[i].uri);
    assert.deepEqual(plain(docsB[i].data), plain(docsA[i].data));
  }
  assert.equal(missing.type, null);
  assert.equal(missing.version, 0);

  for (let i = 0; i < SEEDS.length; i++) await docs.submit(docsA[i], SEEDS[i].op);
  sent = recordSends(b);
  await bulk(b, docsB, 'subscribe');
  assert.equal(sent.length, 1);
  assert.equal(sent[0].a, 'bs');
  assert.deepEqual(plain(sent[0].b), {j: 1, t: 1, r: 1}, 'bs carries the known versions');
  for (let i = 0; i < SEEDS.length; i++) {
    assert.equal(docsB[i].version, 2, SEEDS[i].type + ' caught up by ops before the bs reply');
    assert.deepEqual(plain(docsB[i].data), SEEDS[i].after);
    assert.equal(docsB[i].subscribed, true);
  }

  // The bulk subscription delivers later ops.
  await docs.submit(docsA[0], [{p: ['n'], na: 10}]);
  await docs.atVersion(docsB[0], 3);
  assert.deepEqual(docsB[0].data, {n: 12});

  const docsC = SEEDS.map((s) => c.get(collection, s.id));
  const sentC = recordSends(c);
  await bulk(c, docsC, 'subscribe');
  assert.deepEqual(sentC.map((m) => [m.a, m.b]), [['bs', ['j', 't', 'r']]], 'bs by ids');
  assert.deepEqual(docsC.map((d) => d.version), [3, 2, 2]);
  assert.deepEqual(docsC[0].data, {n: 12});

  sent = recordSends(b);
  await bulk(b, docsB, 'unsubscribe');
  assert.deepEqual(sent.map((m) => [m.a, m.b]), [['bu', ['j', 't', 'r']]], 'one bu message');
  for (const doc of docsB) assert.equal(doc.subscribed, false);
  for (const client of [a, b, c]) assert.deepEqual(client.errors, []);
});

test('ping gets one pong per ping', async () => {
  const a = await suite.connect({name: 'a'});
  let pongs = 0;
  a.connection.on('pong', () => pongs++);
  for (let i = 0; i < 5; i++) {
    const pong = nextEvent(a.connection, 'pong', 'pong ' + i);
    a.connection.ping();
    await pong;
  }
  assert.equal(pongs, 5);
});
