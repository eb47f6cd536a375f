// The ShareDB connection and the always-visible connection status pill.
import ReconnectingWebSocket from 'reconnecting-websocket';
import sharedb from 'sharedb/lib/client';
import richText from 'rich-text';
import {type as textUnicodeType} from 'ot-text-unicode';
import {h, unsentCount} from './util.js';

sharedb.types.register(richText.type);
sharedb.types.register(textUnicodeType);

// socketURL is the same host's /ws, or the ?ws= override used in development.
export function socketURL() {
  const override = new URLSearchParams(location.search).get('ws');
  if (override) return override;
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
}

// openConnection starts the connection; it reconnects forever and the
// sharedb client resubmits unacknowledged ops on every reconnect.
export function openConnection() {
  const socket = new ReconnectingWebSocket(socketURL(), [], {
    maxEnqueuedMessages: 0,
    minReconnectionDelay: 250,
    maxReconnectionDelay: 5000,
    reconnectionDelayGrowFactor: 1.5,
    connectionTimeout: 4000,
  });
  const connection = new sharedb.Connection(socket);
  // The browser knows when the network is gone before the socket does: drop
  // the socket then (ops queue locally), and retry at once when it returns.
  addEventListener('offline', () => socket.reconnect());
  addEventListener('online', () => socket.reconnect());
  return {socket, connection};
}


// StatusPill renders connected / reconnecting / offline plus the unsent count
// of the current document. data-state and data-unsent are test hooks.
export class StatusPill {
  constructor(connection) {
    this.connection = connection;
    this.doc = null;
    this.everConnected = false;
    this.label = h('span', {class: 'status-label'});
    this.el = h('div', {class: 'status', 'data-testid': 'connection-status', role: 'status',
      'aria-live': 'polite'}, h('span', {class: 'status-dot'}), this.label);
    const update = () => this.update();
    connection.on('state', update);
    addEventListener('online', update);
    addEventListener('offline', update);
    setInterval(update, 300);
    this.update();
  }

  setDoc(doc) {
    if (this.doc) this.doc.removeListener('op', this.onOp);
    this.doc = doc;
    this.onOp = () => setTimeout(() => this.update());
    if (doc) doc.on('op', this.onOp);
    this.update();
  }

  state() {
    if (navigator.onLine === false) return 'offline';
    if (this.connection.state === 'connected') {
      this.everConnected = true;
      return 'connected';
    }
    return 'reconnecting';
  }

  update() {
    const state = this.state();
    const unsent = unsentCount(this.doc);
    let text;
    if (state === 'connected') text = 'Connected';
    else if (state === 'reconnecting') text = this.everConnected ? 'Reconnecting…' : 'Connecting…';
    else text = 'Offline';
    if (state !== 'connected' && unsent) text += ` · ${unsent} unsent`;
    const key = state + '|' + unsent + '|' + text;
    if (key === this.key) return;
    this.key = key;
    this.el.dataset.state = state;
    this.el.classList.toggle('saving', state === 'connected' && unsent > 0);
    document.body.dataset.conn = state;
    this.el.dataset.unsent = String(unsent);
    this.el.title = state === 'connected' ? (unsent ? `Saving ${unsent} change(s)…` : 'Connected: all changes saved') :
      'Not connected. Keep editing: changes are kept and sent when the connection returns.';
    this.label.textContent = text;
  }
}
