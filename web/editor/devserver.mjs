// Development server for Weft's editor: serves the built files (index.html
// for every non-asset path, like the Weft server), proxies /ws to the
// reference ShareDB server (tools/sharedb-ref, started here), and answers the
// read-only REST API from it so the home page and exports work.
//
// Usage: node devserver.mjs [--port 8080] [--dir <build dir>]
// POST /__dev/ws?down=1 simulates a server outage (drops and refuses
// WebSockets); ?down=0 ends it.
// Prints `listening <port>` once ready. Run `make deps-node` first (the
// reference server's node_modules) and `make web` (or node build.mjs).
import {spawn} from 'node:child_process';
import {createServer} from 'node:http';
import {connect} from 'node:net';
import {readFile} from 'node:fs/promises';
import {dirname, join, normalize} from 'node:path';
import {fileURLToPath} from 'node:url';
import {createInterface} from 'node:readline';
import WebSocket from 'ws';
import ShareDB from 'sharedb/lib/client/index.js';
import richText from 'rich-text';
import {type as textUnicodeType} from 'ot-text-unicode';

ShareDB.types.register(richText.type);
ShareDB.types.register(textUnicodeType);

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? def : process.argv[i + 1];
};
const port = Number(arg('--port', '8080'));
const dir = arg('--dir', here);
const TYPES = {'.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.txt': 'text/plain'};

function startReference() {
  const ref = spawn(process.execPath, [join(here, '../../tools/sharedb-ref/server.js'), '--port', '0', '--watch-stdin'],
    {stdio: ['pipe', 'pipe', 'inherit']});
  return new Promise((resolve, reject) => {
    ref.on('exit', (code) => reject(new Error(`reference server exited (${code}); run make deps-node`)));
    createInterface({input: ref.stdout}).once('line', (line) => resolve({ref, port: Number(line.split(' ')[1])}));
  });
}

function sendJSON(res, status, body) {
  res.writeHead(status, {'Content-Type': 'application/json'});
  res.end(JSON.stringify(body));
}
const fail = (res, status, code, message) => sendJSON(res, status, {error: {code, message}});

function snapshotText(type, data) {
  if (typeof data === 'string') return data;
  if (Array.isArray(data?.ops ?? data)) {
    return (data.ops ?? data).map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
  }
  return JSON.stringify(data);
}

function api(conn, req, res, url) {
  const parts = url.pathname.split('/').slice(4).map(decodeURIComponent); // after /api/v1/docs/
  const q = url.searchParams;
  if (parts.length === 1) {
    const query = conn.createFetchQuery(parts[0], {}, {}, (err, docs) => {
      if (err) return fail(res, 500, 'ERR_INTERNAL', err.message);
      let ids = docs.filter((d) => d.type).map((d) => d.id).sort();
      const after = q.get('after');
      if (after) ids = ids.filter((id) => id > after);
      const limit = Math.min(Number(q.get('limit')) || 100, 1000);
      const body = {collection: parts[0], ids: ids.slice(0, limit)};
      if (ids.length > limit) body.next = body.ids[body.ids.length - 1];
      sendJSON(res, 200, body);
      query.destroy();
    });
    return;
  }
  if (parts.length === 2) {
    const done = (err, snap) => {
      if (err) return fail(res, 400, err.code || 'ERR', err.message);
      if (!snap.type) return fail(res, 404, 'ERR_DOC_DOES_NOT_EXIST', 'document not found');
      if (q.get('format') === 'text') {
        res.writeHead(200, {'Content-Type': 'text/plain; charset=utf-8'});
        return res.end(snapshotText(snap.type, snap.data));
      }
      // As Weft: the snapshot as ShareDB stores it (rich text is {ops: [...]}).
      sendJSON(res, 200, {v: snap.v, type: snap.type, data: snap.data});
    };
    if (q.get('ts')) return conn.fetchSnapshotByTimestamp(parts[0], parts[1], Number(q.get('ts')), done);
    return conn.fetchSnapshot(parts[0], parts[1], q.has('v') ? Number(q.get('v')) : null, done);
  }
  fail(res, 501, 'ERR_NOT_IMPLEMENTED', 'the development server does not serve this endpoint');
}

async function serveFile(res, path) {
  const file = normalize(join(dir, path));
  if (!file.startsWith(dir)) return fail(res, 403, 'ERR_FORBIDDEN', 'forbidden');
  try {
    const body = await readFile(file);
    const ext = file.slice(file.lastIndexOf('.'));
    res.writeHead(200, {'Content-Type': TYPES[ext] || 'application/octet-stream', 'Cache-Control': 'no-cache'});
    res.end(body);
  } catch (e) {
    fail(res, 404, 'ERR_NOT_FOUND', 'no such file');
  }
}

async function main() {
  const ref = await startReference();
  const conn = new ShareDB.Connection(new WebSocket(`ws://127.0.0.1:${ref.port}`));
  // POST /__dev/ws?down=1 drops every proxied socket and refuses new ones
  // until ?down=0: a server outage for testing reconnects.
  const sockets = new Set();
  let down = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/__dev/ws') {
      down = url.searchParams.get('down') === '1';
      if (down) for (const s of sockets) s.destroy();
      return sendJSON(res, 200, {down});
    }
    if (url.pathname.startsWith('/api/v1/docs/')) return api(conn, req, res, url);
    if (url.pathname.startsWith('/assets/')) return serveFile(res, url.pathname);
    return serveFile(res, '/index.html');
  });
  server.on('upgrade', (req, socket, head) => {
    if (!req.url.startsWith('/ws') || down) return socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const upstream = connect(ref.port, '127.0.0.1', () => {
      let raw = `${req.method} / HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      upstream.write(raw + '\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const close = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', close);
    socket.on('error', close);
    upstream.on('close', close);
    socket.on('close', close);
  });
  const stop = () => {
    ref.ref.kill();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`listening ${server.address().port}\n`);
    process.stderr.write(`Weft editor dev server: http://127.0.0.1:${server.address().port}/\n`);
  });
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
