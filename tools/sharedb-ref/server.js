'use strict';
// The reference ShareDB 7 server that Weft's client tests run against and
// that the load generator measures Weft with: by default an in-memory backend
// (MemoryDB, MemoryPubSub, presence on) behind a ws server on 127.0.0.1.
// With --postgres and --redis it runs as one of several instances sharing
// one database and one Redis, as ShareDB deployments do: sharedb-postgres
// (the schema of its structure.sql must exist) and sharedb-redis-pubsub.
//
// Usage: node server.js [--port N] [--watch-stdin] [--postgres URL --redis URL]
// --port 0 (the default) picks a free port. Prints exactly one line,
// `listening <port>`, on stdout once it accepts connections. Exits on SIGTERM
// or SIGINT, and with --watch-stdin also when stdin closes, so a test process
// that dies never leaves it behind.

const http = require('http');
const {Duplex} = require('stream');
const WebSocket = require('ws');
const ShareDB = require('sharedb');

ShareDB.types.register(require('ot-text-unicode').type);
ShareDB.types.register(require('rich-text').type);

// numberType is a trivial OT type for protocol tests: a snapshot is a number,
// an op is a number added to it, and ops commute so transform is identity.
const numberType = {
  name: 'number-type',
  uri: 'http://weft.dev/types/number-type',
  create: (data) => data | 0,
  apply: (snapshot, op) => snapshot + op,
  transform: (op) => op,
  compose: (a, b) => a + b,
};
ShareDB.types.register(numberType);

// argValue returns the value after flag in argv, or undefined.
function argValue(argv, flag) {
  const i = argv.indexOf(flag);
  if (i < 0) return undefined;
  if (i + 1 >= argv.length) throw new Error(flag + ' needs a value');
  return argv[i + 1];
}

// newBackend returns the ShareDB backend: in memory, or on Postgres and
// Redis when both URLs are given.
function newBackend(argv) {
  const pgURL = argValue(argv, '--postgres');
  const redisURL = argValue(argv, '--redis');
  if (!pgURL && !redisURL) return new ShareDB({presence: true});
  if (!pgURL || !redisURL) throw new Error('--postgres and --redis go together');
  const PostgresDB = require('sharedb-postgres');
  const RedisPubSub = require('sharedb-redis-pubsub');
  return new ShareDB({
    presence: true,
    db: new PostgresDB({connectionString: pgURL}),
    pubsub: new RedisPubSub({url: redisURL}),
  });
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

// socketStream adapts a ws socket to the object-mode Duplex ShareDB's
// backend.listen expects: one JSON object per text frame each way.
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
  stream.on('error', () => {}); // a reply racing a close must not crash the server
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

function main() {
  const port = parsePort(process.argv.slice(2));
  const backend = newBackend(process.argv.slice(2));
  const server = http.createServer((req, res) => {
    res.writeHead(404);
    res.end();
  });
  const wss = new WebSocket.Server({server, maxPayload: 1 << 20});
  wss.on('connection', (ws, req) => backend.listen(socketStream(ws), req));
  const stop = () => {
    for (const ws of wss.clients) ws.terminate();
    server.close();
    backend.close(() => process.exit(0));
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
