'use strict';
// Shared support for the suite: server discovery, client connections, and
// promise wrappers whose every wait is driven by an event and bounded by a
// timeout. Nothing here sleeps to synchronise.

const path = require('path');
const crypto = require('crypto');
const {spawn} = require('child_process');
const WebSocket = require('ws');
const ReconnectingWebSocket = require('reconnecting-websocket');
const ShareDB = require('sharedb/lib/client');

ShareDB.types.register(require('rich-text').type);
ShareDB.types.register(require('ot-text-unicode').type);

// The client logger's output is collected here (and echoed only with
// SHAREDB_SUITE_CLIENT_LOG=1), so tests can count client-side warnings such as
// "Invalid version from server" without flooding the report.
const clientLog = [];
{
  const echo = process.env.SHAREDB_SUITE_CLIENT_LOG === '1';
  const record = (level) => (...args) => {
    clientLog.push({level, text: args.map(String).join(' ')});
    if (echo) console.error('[sharedb client ' + level + ']', ...args);
  };
  ShareDB.logger.setMethods({info: record('info'), warn: record('warn'), error: record('error')});
}

const TIMEOUT_MS = Number(process.env.SHAREDB_SUITE_TIMEOUT_MS || 30000);
const MAX_MESSAGE_BYTES = Number(process.env.SHAREDB_MAX_MESSAGE_BYTES || 1024 * 1024);
const RICH_TEXT_URI = 'http://sharejs.org/types/rich-text/v1';
const TEXT_UNICODE_URI = 'http://sharejs.org/types/text-unicode';
const JSON0_URI = 'http://sharejs.org/types/JSONv0';

// withTimeout rejects if promise has not settled within ms.
function withTimeout(promise, label, ms = TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('timed out after ' + ms + ' ms: ' + label)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// call runs fn(callback) and resolves with the callback's result.
function call(label, fn) {
  return withTimeout(new Promise((resolve, reject) => {
    fn((err, value) => (err ? reject(err) : resolve(value)));
  }), label);
}

// callError runs fn(callback) and resolves with the error the callback must get.
function callError(label, fn) {
  return withTimeout(new Promise((resolve, reject) => {
    fn((err) => (err ? resolve(err) : reject(new Error(label + ': expected an error, got success'))));
  }), label);
}

// waitFor resolves once check() returns a truthy value. check is tested now and
// after every listed event on emitter; it never polls on a timer.
function waitFor(emitter, events, check, label, ms = TIMEOUT_MS) {
  return withTimeout(new Promise((resolve, reject) => {
    const listeners = [];
    const done = (fn, value) => {
      for (const [event, listener] of listeners) emitter.removeListener(event, listener);
      fn(value);
    };
    const test = () => {
      let value;
      try {
        value = check();
      } catch (err) {
        done(reject, err);
        return;
      }
      if (value) done(resolve, value);
    };
    for (const event of events) {
      const listener = () => test();
      listeners.push([event, listener]);
      emitter.on(event, listener);
    }
    test();
  }), label, ms);
}

// nextEvent resolves with the arguments of the next event that passes filter.
function nextEvent(emitter, event, label, filter = () => true, ms = TIMEOUT_MS) {
  let listener;
  return withTimeout(new Promise((resolve) => {
    listener = (...args) => {
      if (filter(...args)) resolve(args);
    };
    emitter.on(event, listener);
  }), label, ms).finally(() => emitter.removeListener(event, listener));
}

// unique returns an id that no earlier run against the same server used.
function unique(prefix) {
  return prefix + '-' + Date.now().toString(36) + '-' + crypto.randomBytes(4).toString('hex');
}

// startRefServer spawns ref-server.js on a free port and resolves with its URL.
function startRefServer() {
  const script = path.join(__dirname, '..', 'ref-server.js');
  const child = spawn(process.execPath, [script, '--stdin-lifeline'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: Object.assign({}, process.env, {PORT: '0'}),
  });
  const ready = new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk.toString();
      const match = /listening (\d+)/.exec(buffered);
      if (match) resolve('ws://127.0.0.1:' + match[1]);
    });
    child.on('exit', (code) => reject(new Error('ref-server exited early with ' + code)));
  });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.stdin.end();
    child.kill('SIGTERM');
  });
  return withTimeout(ready, 'ref-server start').then((url) => ({url, stop}));
}

// Suite is one test file's view of the server and the clients it opened.
class Suite {
  constructor() {
    this.url = null;
    this.clients = [];
    this.raws = [];
    this._stopServer = null;
  }

  // start finds the server: SHAREDB_URL, or a private ref-server.js.
  async start() {
    if (process.env.SHAREDB_URL) {
      this.url = process.env.SHAREDB_URL;
      return;
    }
    const ref = await startRefServer();
    this.url = ref.url;
    this._stopServer = ref.stop;
  }

  // connect opens a sharedb Connection and waits until it is connected.
  // With reconnecting, the socket is a reconnecting-websocket wrapping ws.
  async connect({reconnecting = false, name = 'client'} = {}) {
    const client = new Client(this.url, reconnecting, name);
    this.clients.push(client);
    await client.connected();
    return client;
  }

  // raw opens a RawClient that stop() closes.
  async raw(id = null) {
    const raw = await RawClient.open(this.url, id);
    this.raws.push(raw);
    return raw;
  }

  async stop() {
    for (const raw of this.raws) raw.close();
    this.raws = [];
    for (const client of this.clients) client.close();
    await Promise.all(this.clients.map((client) => client.closed()));
    this.clients = [];
    if (this._stopServer) await this._stopServer();
  }
}

// Client owns one sharedb Connection and its socket.
class Client {
  constructor(url, reconnecting, name) {
    this.name = name;
    this.reconnecting = reconnecting;
    if (reconnecting) {
      this.socket = new ReconnectingWebSocket(url, [], {
        WebSocket,
        maxEnqueuedMessages: 0,
        minReconnectionDelay: 10,
        maxReconnectionDelay: 200,
        reconnectionDelayGrowFactor: 1.5,
        minUptime: 50,
        connectionTimeout: 4000,
      });
    } else {
      this.socket = new WebSocket(url);
    }
    this.connection = new ShareDB.Connection(this.socket);
    this.errors = [];
    this.connection.on('error', (err) => this.errors.push(err));
  }

  connected() {
    return waitFor(this.connection, ['state'], () => this.connection.state === 'connected',
      this.name + ' connected');
  }

  // underlying is the live ws WebSocket (inside the reconnecting wrapper if any).
  underlying() {
    return this.reconnecting ? this.socket._ws : this.socket;
  }

  // kill drops the TCP connection without a close handshake.
  kill() {
    const ws = this.underlying();
    if (ws && ws.readyState === WebSocket.OPEN) ws.terminate();
  }

  get(collection, id) {
    return this.connection.get(collection, id);
  }

  close() {
    this.connection.close();
    if (this.reconnecting) this.socket.close();
  }

  closed() {
    const ws = this.underlying();
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return withTimeout(new Promise((resolve) => ws.once('close', resolve)), this.name + ' closed');
  }
}

// useSuite registers before/after hooks on node:test and returns the Suite.
function useSuite() {
  const {before, after} = require('node:test');
  const suite = new Suite();
  before(() => suite.start());
  after(() => suite.stop());
  return suite;
}

// RawClient speaks the wire protocol directly over ws, for frames an
// unmodified client would never send.
class RawClient {
  constructor(url) {
    this.ws = new WebSocket(url);
    this.inbox = [];
    this.waiters = [];
    this.ws.on('message', (data) => {
      this.inbox.push(JSON.parse(data.toString('utf8')));
      for (const wake of this.waiters.slice()) wake();
    });
  }

  static async open(url, id = null) {
    const raw = new RawClient(url);
    await withTimeout(new Promise((resolve, reject) => {
      raw.ws.once('open', resolve);
      raw.ws.once('error', reject);
    }), 'raw open');
    const hs = await raw.request({a: 'hs', id, protocol: 1, protocolMinor: 2}, (m) => m.a === 'hs');
    raw.id = hs.id;
    return raw;
  }

  // take removes and returns the first received message matching match,
  // waiting for it if needed.
  take(match, label) {
    return withTimeout(new Promise((resolve) => {
      const look = () => {
        const i = this.inbox.findIndex(match);
        if (i < 0) return;
        this.waiters = this.waiters.filter((w) => w !== look);
        resolve(this.inbox.splice(i, 1)[0]);
      };
      this.waiters.push(look);
      look();
    }), label);
  }

  send(message) {
    this.ws.send(JSON.stringify(message));
  }

  request(message, match) {
    this.send(message);
    return this.take(match, 'reply to ' + JSON.stringify(message).slice(0, 120));
  }

  close() {
    this.ws.close();
  }
}

// Promise wrappers for Doc methods.
const docs = {
  create: (doc, data, type) => call('create ' + doc.id, (cb) => doc.create(data, type, cb)),
  fetch: (doc) => call('fetch ' + doc.id, (cb) => doc.fetch(cb)),
  subscribe: (doc) => call('subscribe ' + doc.id, (cb) => doc.subscribe(cb)),
  unsubscribe: (doc) => call('unsubscribe ' + doc.id, (cb) => doc.unsubscribe(cb)),
  submit: (doc, op) => call('submitOp ' + doc.id, (cb) => doc.submitOp(op, cb)),
  del: (doc) => call('del ' + doc.id, (cb) => doc.del(cb)),
  // settled waits until the doc has no in-flight or pending ops.
  settled: (doc) => call('settle ' + doc.id, (cb) => doc.whenNothingPending(cb)),
  // atVersion waits until the doc reaches version v.
  atVersion: (doc, v) => waitFor(doc, ['op', 'load', 'create', 'del'], () => doc.version === v,
    doc.collection + '/' + doc.id + ' at v' + v + ' (now v' + doc.version + ')'),
};

// plain turns doc data (a Delta for rich-text) into plain JSON values.
function plain(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

// freshFetch reads a doc through a brand-new connection.
async function freshFetch(suite, collection, id) {
  const client = await suite.connect({name: 'fresh'});
  const doc = client.get(collection, id);
  await docs.fetch(doc);
  const snapshot = {v: doc.version, type: doc.type && doc.type.uri, data: plain(doc.data)};
  client.close();
  await client.closed();
  return snapshot;
}

// ping sends an application-level ping and waits for the pong.
function ping(client) {
  const pong = nextEvent(client.connection, 'pong', client.name + ' pong');
  client.connection.ping();
  return pong;
}

module.exports = {
  ShareDB, clientLog, TIMEOUT_MS, MAX_MESSAGE_BYTES, RICH_TEXT_URI, TEXT_UNICODE_URI, JSON0_URI,
  withTimeout, call, callError, waitFor, nextEvent, unique, Suite, useSuite, RawClient, docs, freshFetch, ping, plain,
};
