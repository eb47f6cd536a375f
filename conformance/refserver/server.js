'use strict';
// The reference server for the conformance suite: the control protocol of
// conformance/PROTOCOL.md in front of genuine, unmodified sharedb 7.0.0
// backends, one per namespace, each on the query semantics of sharedb's
// BasicQueryableMemoryDB and with the suite's test types registered.
//
// Usage: node refserver/server.js [--port N] [--watch-stdin]
// Prints `listening <port>` once it accepts connections. Exits on SIGTERM or
// SIGINT, and with --watch-stdin also when stdin closes.

const http = require('http');
const path = require('path');
const crypto = require('crypto');
const {Duplex} = require('stream');
const WebSocket = require('ws');
const ShareDB = require('sharedb');
const logger = require('sharedb/lib/logger');

const testDir = path.join(path.dirname(require.resolve('sharedb/package.json')), 'test');
const BasicQueryableMemoryDB = require(path.join(testDir, 'BasicQueryableMemoryDB'));
const MemoryMilestoneDB = require('sharedb/lib/milestone-db/memory');

function registerTypes() {
  const deserialized = require(path.join(testDir, 'client', 'deserialized-type'));
  ShareDB.types.register(require(path.join(testDir, 'client', 'number-type')).type);
  ShareDB.types.register(deserialized.type);
  ShareDB.types.register(deserialized.type2);
  ShareDB.types.register(require(path.join(testDir, 'client', 'presence', 'presence-test-type')).type);
  ShareDB.types.register(require('rich-text').type);
  ShareDB.types.register(require('ot-json1').type);
}

function parsePort(argv) {
  const i = argv.indexOf('--port');
  if (i < 0) return 0;
  const port = Number(argv[i + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('--port must be an integer in [0, 65535]');
  }
  return port;
}

// socketStream adapts a ws socket to the object-mode Duplex that
// backend.listen expects: one JSON object per text frame each way. The
// server ending the stream closes the socket with 1000.
function socketStream(ws) {
  const stream = new Duplex({
    objectMode: true,
    read() {},
    write(message, _encoding, callback) {
      if (ws.readyState !== WebSocket.OPEN) return callback();
      ws.send(JSON.stringify(message), () => callback());
    },
    final(callback) {
      ws.close(1000, 'stream end');
      callback();
    },
  });
  stream.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    let message;
    try {
      message = JSON.parse(isBinary ? Buffer.from(data).toString('utf8') : data.toString('utf8'));
    } catch (e) {
      message = undefined;
    }
    if (message === null || typeof message !== 'object') {
      ws.close(1011, 'stream error');
      stream.destroy();
      return;
    }
    stream.push(message);
  });
  ws.on('close', () => {
    stream.push(null);
    stream.destroy();
  });
  ws.on('error', () => stream.destroy());
  return stream;
}

// newBackend builds one namespace's backend from the create request's body.
function newBackend(options) {
  const backend = new ShareDB({
    db: new BasicQueryableMemoryDB(),
    presence: !!options.presence,
    doNotCommitNoOps: !!options.doNotCommitNoOps,
    maxSubmitRetries: options.maxSubmitRetries == null ? null : options.maxSubmitRetries,
    suppressPublish: !!options.suppressPublish,
    doNotForwardSendPresenceErrorsToClient: !!options.doNotForwardSendPresenceErrorsToClient,
    milestoneDb: options.milestoneInterval ?
      new MemoryMilestoneDB({interval: options.milestoneInterval}) : undefined,
  });
  const projections = options.projections || {};
  for (const name of Object.keys(projections)) {
    backend.addProjection(name, projections[name].target, projections[name].fields);
  }
  return backend;
}

function readJSON(req, callback) {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      callback(null, text ? JSON.parse(text) : {});
    } catch (err) {
      callback(err);
    }
  });
}

function reply(res, status, body) {
  res.writeHead(status, body ? {'content-type': 'application/json'} : {});
  res.end(body ? JSON.stringify(body) : undefined);
}

// Namespaces maps a namespace name to {backend, sockets}.
class Namespaces {
  constructor() {
    this.byName = new Map();
  }

  create(options) {
    const name = crypto.randomBytes(8).toString('hex');
    this.byName.set(name, {backend: newBackend(options), sockets: new Set()});
    return name;
  }

  drop(name, callback) {
    const ns = this.byName.get(name);
    if (!ns) return false;
    this.byName.delete(name);
    for (const ws of ns.sockets) ws.close(1001, 'namespace dropped');
    ns.backend.close(callback);
    return true;
  }
}

function handleHTTP(namespaces, req, res) {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'POST' && url.pathname === '/_test/ns') {
    return readJSON(req, (err, options) => {
      if (err || options === null || typeof options !== 'object' || Array.isArray(options)) {
        return reply(res, 400, {error: 'body must be a JSON object'});
      }
      try {
        reply(res, 201, {ns: namespaces.create(options)});
      } catch (e) {
        reply(res, 400, {error: e.message});
      }
    });
  }
  const p = /^\/_test\/ns\/([^/]+)\/projections$/.exec(url.pathname);
  if (req.method === 'POST' && p) {
    const ns = namespaces.byName.get(decodeURIComponent(p[1]));
    if (!ns) return reply(res, 404, {error: 'no such namespace'});
    return readJSON(req, (err, body) => {
      try {
        if (err || !body || typeof body !== 'object' || Array.isArray(body)) {
          throw new Error('body must be a JSON object');
        }
        ns.backend.addProjection(body.name, body.target, body.fields);
        reply(res, 204);
      } catch (e) {
        reply(res, 400, {error: e.message});
      }
    });
  }
  const m = /^\/_test\/ns\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'DELETE' && m) {
    const dropped = namespaces.drop(decodeURIComponent(m[1]), () => reply(res, 204));
    if (!dropped) reply(res, 404, {error: 'no such namespace'});
    return;
  }
  reply(res, 404, {error: 'not found'});
}

function handleUpgrade(namespaces, wss, req, socket, head) {
  const url = new URL(req.url, 'http://x');
  const m = /^\/_test\/ns\/([^/]+)\/ws$/.exec(url.pathname);
  const ns = m && namespaces.byName.get(decodeURIComponent(m[1]));
  if (!ns) {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ns.sockets.add(ws);
    ws.on('close', () => ns.sockets.delete(ws));
    ns.backend.listen(socketStream(ws), req);
  });
}

function main() {
  if (process.env.LOGGING !== 'true') {
    logger.setMethods({info() {}, warn() {}, error() {}});
  }
  registerTypes();
  const port = parsePort(process.argv.slice(2));
  const namespaces = new Namespaces();
  const server = http.createServer((req, res) => handleHTTP(namespaces, req, res));
  const wss = new WebSocket.Server({noServer: true, maxPayload: 1 << 20});
  server.on('upgrade', (req, socket, head) => handleUpgrade(namespaces, wss, req, socket, head));
  const stop = () => {
    for (const name of [...namespaces.byName.keys()]) namespaces.drop(name, () => {});
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (process.argv.includes('--watch-stdin')) {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write('listening ' + server.address().port + '\n');
  });
}

main();
