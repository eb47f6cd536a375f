'use strict';
// Killing sockets while ops are in flight loses nothing and applies nothing
// twice: reconnecting-websocket reconnects, the client resubmits with the same
// (src, seq), and the server must commit each op exactly once.

const {test} = require('node:test');
const assert = require('node:assert/strict');
const {useSuite, docs, unique, freshFetch, ping, plain, clientLog} = require('./helpers');
const {Random, deltaText} = require('./gen');

const suite = useSuite();

const CLIENTS = Number(process.env.SHAREDB_SUITE_CLIENTS || 4);
const ROUNDS = Number(process.env.SHAREDB_SUITE_KILL_ROUNDS || 30);
const SEED = Number(process.env.SHAREDB_SUITE_SEED || Math.floor(Math.random() * 2 ** 31));

// Each type appends a marker at the end of the client's local copy.
const TYPES = [
  {name: 'json0', id: 'j', initial: {list: []},
    append: (doc, m) => [{p: ['list', doc.data.list.length], li: m}],
    markers: (data) => data.list},
  {name: 'text-unicode', id: 't', initial: '',
    append: (doc, m) => [Array.from(doc.data).length, m],
    markers: (data) => data.match(/<[^<>]*>/g) || []},
  {name: 'rich-text', id: 'r', initial: [],
    append: (doc, m) => {
      const len = doc.data.length();
      return len > 0 ? [{retain: len}, {insert: m}] : [{insert: m}];
    },
    markers: (data) => deltaText(data).match(/<[^<>]*>/g) || []},
];

// armKill terminates the client's socket at the chosen moment; it returns a
// function that disarms it if it has not fired.
function armKill(client, mode, onKill) {
  const event = mode === 'after-send' ? 'send' : 'receive';
  const listener = (message) => {
    const data = mode === 'after-send' ? message : message.data;
    if (!data || data.a !== 'op') return;
    client.connection.removeListener(event, listener);
    // After the current send or receive completes, so the op is on the wire.
    // A socket already down (killed in this round, not yet reconnected)
    // is not killed again, so each counted kill has its own reconnect.
    queueMicrotask(() => {
      if (client.connection.state !== 'connected' || client.killedSinceConnect) return;
      client.killedSinceConnect = true;
      client.kill();
      onKill();
    });
  };
  client.connection.on(event, listener);
  return () => client.connection.removeListener(event, listener);
}

test('killing sockets mid-flight loses no op and applies none twice', async (t) => {
  t.diagnostic('seed ' + SEED + ' (set SHAREDB_SUITE_SEED to replay)');
  const r = new Random(SEED);
  const collection = unique('reconnect');
  const observer = await suite.connect({name: 'observer'});
  for (const type of TYPES) await docs.create(observer.get(collection, type.id), type.initial, type.name);

  const clients = [];
  for (let i = 0; i < CLIENTS; i++) clients.push(await suite.connect({name: 'k' + i, reconnecting: true}));
  const ids = clients.map((client) => client.connection.id);
  let reconnects = 0;
  for (const client of clients) {
    client.connection.on('state', (state) => {
      if (state !== 'connected') return;
      reconnects++;
      client.killedSinceConnect = false;
    });
  }
  const all = clients.map((client) => TYPES.map((type) => client.get(collection, type.id)));
  await Promise.all(all.flat().map((doc) => docs.subscribe(doc)));
  await Promise.all(TYPES.map((type) => docs.subscribe(observer.get(collection, type.id))));

  // The observer sees every committed op; a resend of an op it already saw is
  // a resubmission the server must recognise as a duplicate.
  const committed = new Set();
  observer.connection.on('receive', (request) => {
    const m = request.data;
    if (m && m.a === 'op' && m.src) committed.add(m.d + ' ' + m.src + ' ' + m.seq);
  });
  let resends = 0;
  let duplicateResends = 0;
  for (const client of clients) {
    client.connection.on('send', (m) => {
      if (m.a !== 'op' || !m.src) return;
      resends++;
      if (committed.has(m.d + ' ' + m.src + ' ' + m.seq)) duplicateResends++;
    });
  }

  let kills = 0;
  const acks = [];
  for (let round = 0; round < ROUNDS; round++) {
    const victim = r.pick(clients);
    const disarm = armKill(victim, r.pick(['after-send', 'after-receive']), () => kills++);
    const victimAcks = [];
    for (let c = 0; c < clients.length; c++) {
      for (let k = 0; k < TYPES.length; k++) {
        const doc = all[c][k];
        assert.ok(doc.type, TYPES[k].name + ' k' + c + ' lost its document mid-run (a hard rollback after a server error)');
        const ack = docs.submit(doc, TYPES[k].append(doc, '<k' + c + '-' + TYPES[k].id + round + '>'));
        acks.push(ack);
        if (clients[c] === victim) victimAcks.push(ack);
      }
    }
    // The victim's ops of this round are sent and acknowledged while the
    // kill is armed, so a connected victim is always killed mid-flight
    // (on the send of one of them, or on the receipt of an ack), however
    // fast the server answers.
    await Promise.all(victimAcks);
    await ping(observer);
    disarm();
  }
  await Promise.all(acks);
  await Promise.all(clients.map((client) => client.connected()));
  await Promise.all(all.flat().map((doc) => docs.settled(doc)));
  t.diagnostic('kills ' + kills + ', reconnects ' + reconnects + ', resends ' + resends +
    ', resends of already committed ops ' + duplicateResends);
  const refetches = clientLog.filter((l) => l.text.startsWith('Invalid version from server')).length;
  t.diagnostic('acks that made a client refetch ("Invalid version from server"): ' + refetches);
  assert.ok(kills > 0, 'some sockets were killed');
  assert.ok(reconnects >= kills, 'every kill was followed by a reconnect');
  assert.ok(resends > 0, 'ops in flight were resubmitted with their src after a reconnect');
  assert.deepEqual(clients.map((client) => client.connection.id), ids,
    'the server adopted each client id on reconnect');

  for (let k = 0; k < TYPES.length; k++) {
    const fresh = await freshFetch(suite, collection, TYPES[k].id);
    const markers = TYPES[k].markers(fresh.data);
    const counts = new Map();
    for (const m of markers) counts.set(m, (counts.get(m) || 0) + 1);
    for (let c = 0; c < clients.length; c++) {
      for (let round = 0; round < ROUNDS; round++) {
        const m = '<k' + c + '-' + TYPES[k].id + round + '>';
        assert.equal(counts.get(m), 1, TYPES[k].name + ': marker ' + m + ' appears exactly once');
      }
    }
    assert.equal(markers.length, clients.length * ROUNDS, TYPES[k].name + ': no extra markers');
    for (let c = 0; c < clients.length; c++) {
      await docs.atVersion(all[c][k], fresh.v);
      assert.deepEqual(plain(all[c][k].data), fresh.data, TYPES[k].name + ' k' + c + ' equals a fresh fetch');
    }
    const watched = observer.get(collection, TYPES[k].id);
    await docs.atVersion(watched, fresh.v);
    assert.deepEqual(plain(watched.data), fresh.data, TYPES[k].name + ': the observer equals a fresh fetch');
  }
  for (const client of clients) assert.deepEqual(client.errors, [], client.name + ' connection errors');
});
