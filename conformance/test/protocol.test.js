'use strict';
// Checks a server's control protocol (PROTOCOL.md): against CONFORMANCE_URL
// when set, else against the reference server, started here.
// Run: node --test test/
const test = require('node:test');
const assert = require('node:assert');
const http = require('http');
const path = require('path');
const {spawn} = require('child_process');
const readline = require('readline');
const WebSocket = require('ws');
const {Connection} = require('sharedb/lib/client');

function startServer(t) {
  if (process.env.CONFORMANCE_URL) return Promise.resolve(process.env.CONFORMANCE_URL);
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'refserver', 'server.js'), '--watch-stdin'],
    {stdio: ['pipe', 'pipe', 'inherit']});
  t.after(() => child.kill());
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    readline.createInterface({input: child.stdout}).once('line', (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (!m) return reject(new Error('unexpected server output: ' + line));
      resolve('http://127.0.0.1:' + m[1]);
    });
  });
}

function request(base, method, urlPath, body) {
  const url = new URL(urlPath, base);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method, headers: {'content-type': 'application/json'}}, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({status: res.statusCode, body: text ? JSON.parse(text) : null});
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

function connect(base, ns) {
  const url = base.replace(/^http/, 'ws') + '/_test/ns/' + ns + '/ws';
  return new Connection(new WebSocket(url));
}

function call(fn) {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

test('control protocol', async (t) => {
  const base = await startServer(t);

  await t.test('creates namespaces with distinct names', async () => {
    const a = await request(base, 'POST', '/_test/ns', {});
    const b = await request(base, 'POST', '/_test/ns', {presence: true});
    assert.strictEqual(a.status, 201);
    assert.match(a.body.ns, /^[A-Za-z0-9_-]+$/);
    assert.notStrictEqual(a.body.ns, b.body.ns);
  });

  await t.test('refuses a body that is not an object', async () => {
    const r = await request(base, 'POST', '/_test/ns', '[1]');
    assert.strictEqual(r.status, 400);
  });

  await t.test('keeps namespaces apart', async () => {
    const a = (await request(base, 'POST', '/_test/ns', {})).body.ns;
    const b = (await request(base, 'POST', '/_test/ns', {})).body.ns;
    const ca = connect(base, a);
    const cb = connect(base, b);
    try {
      const docA = ca.get('dogs', 'fido');
      await call((cb) => docA.create({age: 3}, cb));
      const docB = cb.get('dogs', 'fido');
      await call((cb) => docB.fetch(cb));
      assert.strictEqual(docB.version, 0);
      assert.strictEqual(docB.type, null);
      const again = connect(base, a).get('dogs', 'fido');
      await call((cb) => again.fetch(cb));
      assert.deepStrictEqual(again.data, {age: 3});
      again.connection.close();
    } finally {
      ca.close();
      cb.close();
    }
  });

  await t.test('applies projections given at creation and added later', async () => {
    const ns = (await request(base, 'POST', '/_test/ns', {
      projections: {dogNames: {target: 'dogs', fields: {name: true}}},
    })).body.ns;
    const added = await request(base, 'POST', '/_test/ns/' + ns + '/projections',
      {name: 'dogAges', target: 'dogs', fields: {age: true}});
    assert.strictEqual(added.status, 204);
    const dup = await request(base, 'POST', '/_test/ns/' + ns + '/projections',
      {name: 'dogAges', target: 'dogs', fields: {age: true}});
    assert.strictEqual(dup.status, 400);
    const c = connect(base, ns);
    try {
      await call((cb) => c.get('dogs', 'rex').create({name: 'Rex', age: 4}, cb));
      const names = c.get('dogNames', 'rex');
      await call((cb) => names.fetch(cb));
      assert.deepStrictEqual(names.data, {name: 'Rex'});
      const ages = c.get('dogAges', 'rex');
      await call((cb) => ages.fetch(cb));
      assert.deepStrictEqual(ages.data, {age: 4});
    } finally {
      c.close();
    }
  });

  await t.test('drops a namespace and then answers 404 for it', async () => {
    const ns = (await request(base, 'POST', '/_test/ns', {})).body.ns;
    assert.strictEqual((await request(base, 'DELETE', '/_test/ns/' + ns)).status, 204);
    assert.strictEqual((await request(base, 'DELETE', '/_test/ns/' + ns)).status, 404);
    assert.strictEqual((await request(base, 'POST', '/_test/ns/' + ns + '/projections',
      {name: 'p', target: 'dogs', fields: {a: true}})).status, 404);
    const ws = new WebSocket(base.replace(/^http/, 'ws') + '/_test/ns/' + ns + '/ws');
    const status = await new Promise((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.on('error', () => resolve('error'));
    });
    assert.strictEqual(status, 404);
  });
});
