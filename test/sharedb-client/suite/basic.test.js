'use strict';
// Create, fetch, subscribe and submit for json0, text-unicode and rich-text.

const {test} = require('node:test');
const assert = require('node:assert/strict');
const {useSuite, docs, unique, freshFetch, plain, JSON0_URI, TEXT_UNICODE_URI, RICH_TEXT_URI} =
  require('./helpers');

const suite = useSuite();

const cases = [
  {
    type: 'json0',
    uri: JSON0_URI,
    initial: {title: 'hello', n: 0, list: []},
    op: [{p: ['n'], na: 2}, {p: ['title', 5], si: ' wörld 世界 🎉'}, {p: ['list', 0], li: 'x'}],
    expected: {title: 'hello wörld 世界 🎉', n: 2, list: ['x']},
  },
  {
    type: 'text-unicode',
    uri: TEXT_UNICODE_URI,
    initial: 'héllo',
    op: [5, ' 世界🎉'],
    expected: 'héllo 世界🎉',
  },
  {
    type: 'rich-text',
    uri: RICH_TEXT_URI,
    initial: [{insert: 'Hello\n'}],
    op: [{retain: 5}, {insert: ' 世界🎉', attributes: {bold: true}}],
    expected: {ops: [{insert: 'Hello'}, {insert: ' 世界🎉', attributes: {bold: true}}, {insert: '\n'}]},
  },
];

for (const tc of cases) {
  test('create, fetch, subscribe and submit: ' + tc.type, async () => {
    const collection = unique('basic');
    const id = 'doc-' + tc.type;
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => suite.connect({name})));

    const missing = c.get(collection, id);
    await docs.fetch(missing);
    assert.equal(missing.type, null, 'a never-created doc has no type');
    assert.equal(missing.version, 0, 'a never-created doc is at v0');

    const docA = a.get(collection, id);
    await docs.create(docA, tc.initial, tc.type);
    assert.equal(docA.version, 1, 'create is acked at v0, so the doc is at v1');
    assert.equal(docA.type.uri, tc.uri);

    const docB = b.get(collection, id);
    await docs.subscribe(docB);
    assert.equal(docB.version, 1);
    assert.equal(docB.type.uri, tc.uri, 'subscribe returns the type');
    assert.deepEqual(plain(docB.data), plain(docA.data), 'subscribe returns the created data');

    const remoteOps = [];
    docB.on('op batch', (op, source) => remoteOps.push({op, source}));
    await docs.submit(docA, tc.op);
    assert.equal(docA.version, 2, 'the submitter is at v2 after the ack');
    assert.deepEqual(plain(docA.data), tc.expected);

    await docs.atVersion(docB, 2);
    assert.deepEqual(plain(docB.data), tc.expected, 'the subscriber applied the broadcast op');
    assert.equal(remoteOps.length, 1, 'one op event on the subscriber');
    assert.equal(remoteOps[0].source, false, 'the op is remote for the subscriber');

    await docs.fetch(missing);
    assert.equal(missing.version, 2, 'a fetch on a known doc catches up to v2');
    assert.deepEqual(plain(missing.data), tc.expected);

    const fresh = await freshFetch(suite, collection, id);
    assert.deepEqual(fresh, {v: 2, type: tc.uri, data: tc.expected});

    await docs.unsubscribe(docB);
    assert.equal(docB.subscribed, false);
    for (const client of [a, b, c]) assert.deepEqual(client.errors, []);
  });
}

test('a fetched doc catches up by ops with its known version', async () => {
  const collection = unique('catchup');
  const [a, b] = await Promise.all([suite.connect({name: 'a'}), suite.connect({name: 'b'})]);
  const docA = a.get(collection, 'c');
  await docs.create(docA, 'abc', 'text-unicode');
  const docB = b.get(collection, 'c');
  await docs.fetch(docB);
  assert.equal(docB.version, 1);
  for (let i = 0; i < 5; i++) await docs.submit(docA, [docA.data.length, String(i)]);
  assert.equal(docA.version, 6);

  const seen = [];
  docB.on('op batch', (op) => seen.push(op));
  await docs.fetch(docB);
  assert.equal(docB.version, 6, 'fetch from v1 brings v6');
  assert.equal(docB.data, 'abc01234');
  assert.equal(seen.length, 5, 'the catch-up arrived as five ops, in order');
});
