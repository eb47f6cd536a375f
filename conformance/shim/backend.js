'use strict';
// Conformance shim for lib/backend.js in a work copy of the sharedb package.
//
// The client tests get every connection from `backend.connect()`. This
// Backend keeps that API but connects the genuine client Connection to a
// remote server over a real WebSocket. Each `new Backend(options)` gets its
// own namespace on the server (a fresh, empty document space), created over
// the control protocol described in conformance/PROTOCOL.md when the first
// connection is made, so options and projections set on the backend before
// then are sent along. `close()` drops the namespace.
//
// The server is found through CONFORMANCE_URL (http://host:port). Middleware
// (`use`), `db`, `pubsub` and `milestoneDb` are kept as inert local objects
// so test files load; the tests that rely on them are listed in
// conformance/exclusions.json.

var http = require('http');
var WebSocket = require('ws');
var Connection = require('./client/connection');
var emitter = require('./emitter');
var MemoryDB = require('./db/memory');
var MemoryPubSub = require('./pubsub/memory');
var NoOpMilestoneDB = require('./milestone-db/no-op');

// The real timer, kept before any test installs fake timers.
var realSetImmediate = setImmediate;

function baseURL() {
  var url = process.env.CONFORMANCE_URL;
  if (!url) throw new Error('conformance shim: CONFORMANCE_URL is not set');
  return new URL(url);
}

// request sends one control request and calls back with the parsed JSON
// reply (or null for an empty body).
function request(method, path, body, callback) {
  var base = baseURL();
  var payload = body === undefined ? null : JSON.stringify(body);
  var req = http.request({
    host: base.hostname,
    port: base.port,
    method: method,
    path: path,
    headers: payload ? {'content-type': 'application/json'} : {}
  }, function(res) {
    var chunks = [];
    res.on('data', function(chunk) {
      chunks.push(chunk);
    });
    res.on('end', function() {
      var text = Buffer.concat(chunks).toString('utf8');
      if (res.statusCode < 200 || res.statusCode >= 300) {
        return callback(new Error(method + ' ' + path + ': HTTP ' + res.statusCode + ' ' + text));
      }
      var parsed = null;
      try {
        if (text) parsed = JSON.parse(text);
      } catch (err) {
        return callback(new Error(method + ' ' + path + ': bad JSON reply: ' + err.message));
      }
      callback(null, parsed);
    });
  });
  req.on('error', function(err) {
    callback(new Error(method + ' ' + path + ': ' + err.message));
  });
  if (payload) req.write(payload);
  req.end();
}

function Backend(options) {
  if (!(this instanceof Backend)) return new Backend(options);
  emitter.EventEmitter.call(this);
  if (!options) options = {};
  this.db = options.db || new MemoryDB();
  this.pubsub = options.pubsub || new MemoryPubSub();
  this.extraDbs = options.extraDbs || {};
  this.milestoneDb = options.milestoneDb || new NoOpMilestoneDB();
  this.projections = Object.create(null);
  this.suppressPublish = !!options.suppressPublish;
  this.maxSubmitRetries = options.maxSubmitRetries || null;
  this.presenceEnabled = !!options.presence;
  this.doNotForwardSendPresenceErrorsToClient = !!options.doNotForwardSendPresenceErrorsToClient;
  this.doNotCommitNoOps = !!options.doNotCommitNoOps;
  this.middleware = Object.create(null);
  this.agentsCount = 0;
  this.remoteAgentsCount = 0;
  this.errorHandler = typeof options.errorHandler === 'function' ?
    options.errorHandler : function() {};
  this._ns = null;
  // _chain is the promise of the control requests made so far.
  this._chain = null;
  this._sockets = [];
}
module.exports = Backend;
emitter.mixin(Backend);

Backend.prototype.MIDDLEWARE_ACTIONS = {
  afterWrite: 'afterWrite',
  apply: 'apply',
  commit: 'commit',
  connect: 'connect',
  op: 'op',
  query: 'query',
  readSnapshots: 'readSnapshots',
  receive: 'receive',
  reply: 'reply',
  receivePresence: 'receivePresence',
  sendPresence: 'sendPresence',
  submit: 'submit'
};

Backend.prototype.SNAPSHOT_TYPES = {
  current: 'current',
  byVersion: 'byVersion',
  byTimestamp: 'byTimestamp'
};

// namespaceOptions is the body of the create-namespace request: the
// backend's options as they stand when the first connection is made.
Backend.prototype.namespaceOptions = function() {
  var interval = this.milestoneDb && this.milestoneDb.interval;
  return {
    presence: this.presenceEnabled,
    doNotCommitNoOps: this.doNotCommitNoOps,
    maxSubmitRetries: this.maxSubmitRetries,
    suppressPublish: this.suppressPublish,
    doNotForwardSendPresenceErrorsToClient: this.doNotForwardSendPresenceErrorsToClient,
    milestoneInterval: typeof interval === 'number' ? interval : null,
    projections: this.projections
  };
};

// _namespace calls back with the namespace name once every control request
// made so far has completed, creating the namespace on first use.
Backend.prototype._namespace = function(callback) {
  var backend = this;
  if (!this._chain) {
    var options = this.namespaceOptions();
    this._chain = new Promise(function(resolve, reject) {
      request('POST', '/_test/ns', options, function(err, reply) {
        if (!err && (!reply || typeof reply.ns !== 'string')) {
          err = new Error('POST /_test/ns: reply has no ns');
        }
        if (err) return reject(err);
        backend._ns = reply.ns;
        resolve();
      });
    });
    this._chain.catch(function() {});
  }
  this._chain.then(function() {
    callback(null, backend._ns);
  }, function(err) {
    callback(err);
  });
};

// _control queues a control request on the namespace after the ones before.
Backend.prototype._control = function(method, path, body) {
  var backend = this;
  this._chain = this._chain.then(function() {
    return new Promise(function(resolve, reject) {
      var url = '/_test/ns/' + encodeURIComponent(backend._ns) + path;
      request(method, url, body, function(err) {
        if (err) return reject(err);
        resolve();
      });
    });
  });
  this._chain.catch(function() {});
};

Backend.prototype.connect = function(connection, req, callback) {
  var socket = new ShimSocket(this);
  this._sockets.push(socket);
  if (connection) {
    connection.bindToSocket(socket);
  } else {
    connection = new Connection(socket);
  }
  socket._open();
  if (typeof callback === 'function') {
    connection.once('connected', function() {
      callback(connection);
    });
  }
  return connection;
};

Backend.prototype.listen = function() {
  throw new Error('conformance shim: backend.listen needs an in-process server');
};

Backend.prototype.close = function(callback) {
  var sockets = this._sockets;
  this._sockets = [];
  sockets.forEach(function(socket) {
    socket._detach();
  });
  var finish = function(err) {
    if (callback) return callback(err);
    if (err) throw err;
  };
  if (!this._chain) return realSetImmediate(finish);
  var backend = this;
  // A namespace that failed to be created has nothing to drop.
  this._chain.then(function() {
    request('DELETE', '/_test/ns/' + encodeURIComponent(backend._ns), undefined, finish);
  }, function() {
    finish();
  });
};

Backend.prototype.addProjection = function(name, collection, fields) {
  if (this.projections[name]) {
    throw new Error('Projection ' + name + ' already exists');
  }
  for (var key in fields) {
    if (fields[key] !== true) {
      throw new Error('Invalid field ' + key + ' - fields must be {somekey: true}. Subfields not currently supported.');
    }
  }
  this.projections[name] = {target: collection, fields: fields};
  // Once the namespace exists, later connections wait for this to land.
  if (this._chain) {
    this._control('POST', '/projections', {name: name, target: collection, fields: fields});
  }
};

// use records middleware so test files load; it never runs.
Backend.prototype.use = function(action, fn) {
  if (Array.isArray(action)) {
    for (var i = 0; i < action.length; i++) this.use(action[i], fn);
    return this;
  }
  var fns = this.middleware[action] || (this.middleware[action] = []);
  fns.push(fn);
  return this;
};

// ShimSocket imitates lib/stream-socket.js (the in-process socket) over a
// WebSocket: it is open as soon as connect() returns, queues what is sent
// before the WebSocket opens, and close() is synchronous.
function ShimSocket(backend) {
  this.readyState = 0;
  this._backend = backend;
  this._ws = null;
  this._queue = [];
}

ShimSocket.prototype.onmessage = function() {};
ShimSocket.prototype.onclose = function() {};
ShimSocket.prototype.onerror = function() {};
ShimSocket.prototype.onopen = function() {};

ShimSocket.prototype._open = function() {
  if (this.readyState !== 0) return;
  this.readyState = 1;
  var socket = this;
  this._backend._namespace(function(err, ns) {
    if (socket.readyState !== 1) return;
    if (err) return socket._lost(err);
    socket._dial(ns);
  });
  this.onopen();
};

ShimSocket.prototype._dial = function(ns) {
  var base = baseURL();
  var url = 'ws://' + base.host + '/_test/ns/' + encodeURIComponent(ns) + '/ws';
  var ws = new WebSocket(url, {perMessageDeflate: false});
  this._ws = ws;
  var socket = this;
  ws.on('open', function() {
    if (socket.readyState !== 1) return ws.terminate();
    var queue = socket._queue;
    socket._queue = null;
    queue.forEach(function(data) {
      ws.send(data);
    });
  });
  ws.on('message', function(data, isBinary) {
    if (socket.readyState !== 1) return;
    socket.onmessage({data: isBinary ? Buffer.from(data).toString('utf8') : data.toString('utf8')});
  });
  ws.on('error', function(err) {
    if (socket.readyState !== 1) return;
    socket.onerror(err);
  });
  ws.on('close', function(code) {
    if (socket.readyState !== 1) return;
    socket.readyState = 3;
    // The server ending the session on purpose is 'stopped', as when the
    // in-process stream ends; anything else is a dropped connection.
    socket.onclose(code === 1000 ? 'stopped' : 'disconnected');
  });
};

ShimSocket.prototype._lost = function(err) {
  this.readyState = 3;
  this.onerror(err);
  this.onclose('disconnected');
};

ShimSocket.prototype.send = function(data) {
  if (this.readyState !== 1) return;
  if (this._queue) return this._queue.push(data);
  this._ws.send(data);
};

ShimSocket.prototype.close = function(reason) {
  if (this.readyState === 3) return;
  this._detach();
  this.onclose(reason || 'closed');
};

// _detach closes the WebSocket without telling the connection.
ShimSocket.prototype._detach = function() {
  this.readyState = 3;
  this._queue = null;
  if (this._ws) this._ws.terminate();
};
