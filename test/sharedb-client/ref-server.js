#!/usr/bin/env node
'use strict';
// Reference ShareDB 7 server for the Weft client suite.
//
// In-memory backend (MemoryDB, MemoryPubSub) with presence enabled and the
// rich-text and text-unicode types registered, served over `ws` on 127.0.0.1.
// Prints `listening <port>` on stdout once it accepts connections.
//
// Environment:
//   PORT                        port to listen on (default 0: a free port)
//   SHAREDB_MAX_MESSAGE_BYTES   largest accepted WebSocket message (default 1048576)
//   REF_SERVER_LOG=1            keep ShareDB's log output (error replies are logged
//                               with stacks, which the suite provokes on purpose)
// Flags:
//   --stdin-lifeline            exit when stdin closes (used when the suite spawns it)

const http = require('http');
const {Duplex} = require('stream');
const WebSocket = require('ws');
const ShareDB = require('sharedb');

ShareDB.types.register(require('rich-text').type);
ShareDB.types.register(require('ot-text-unicode').type);

const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

// WebSocketJSONStream adapts one ws connection to the object-mode Duplex that
// Backend.listen expects: one JSON text frame per message, both directions.
class WebSocketJSONStream extends Duplex {
  constructor(ws) {
    super({objectMode: true});
    this.ws = ws;
    ws.on('message', (data) => this._receive(data));
    ws.on('close', () => {
      this.push(null);
      this.destroy();
    });
    ws.on('error', (err) => this.destroy(err));
  }

  _receive(data) {
    let message;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch (err) {
      this.destroy(err);
      return;
    }
    if (message === null) {
      this.destroy(new Error('null message'));
      return;
    }
    this.push(message);
  }

  _read() {}

  _write(message, _encoding, callback) {
    if (this.ws.readyState !== WebSocket.OPEN) return callback();
    // A send failure means the socket is going away; the close handler cleans up.
    this.ws.send(JSON.stringify(message), () => callback());
  }

  _final(callback) {
    this.ws.close(1000, 'stream end');
    callback();
  }

  _destroy(err, callback) {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      if (err) this.ws.close(1011, 'stream error');
      else this.ws.close(1000, 'stream end');
    }
    callback(err);
  }
}

function main() {
  if (process.env.REF_SERVER_LOG !== '1') {
    const quiet = () => {};
    ShareDB.logger.setMethods({info: quiet, warn: quiet, error: quiet});
  }
  const maxPayload = Number(process.env.SHAREDB_MAX_MESSAGE_BYTES || DEFAULT_MAX_MESSAGE_BYTES);
  const port = Number(process.env.PORT || 0);
  const backend = new ShareDB({presence: true, doNotForwardSendPresenceErrorsToClient: true});
  const server = http.createServer((_req, res) => {
    res.writeHead(426, {'content-type': 'text/plain'});
    res.end('websocket only\n');
  });
  const wss = new WebSocket.Server({server, maxPayload});
  wss.on('connection', (ws, req) => {
    const stream = new WebSocketJSONStream(ws);
    // Without a listener, a write after close would crash the process.
    stream.on('error', () => {});
    backend.listen(stream, req);
  });
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write('listening ' + server.address().port + '\n');
  });
  const stop = () => {
    wss.clients.forEach((ws) => ws.terminate());
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (process.argv.includes('--stdin-lifeline')) {
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.resume();
  }
}

main();
