// The rich-text binding: Quill 2 over a sharedb doc of type rich-text, with
// remote cursors from document presence (quill-cursors).
import Quill from 'quill';
import QuillCursors from 'quill-cursors';
import {ColorPicker} from './util.js';

Quill.register('modules/cursors', QuillCursors);

const TOOLBAR = [
  [{header: [1, 2, 3, false]}],
  ['bold', 'italic', 'underline', 'strike'],
  [{list: 'ordered'}, {list: 'bullet'}, {list: 'check'}],
  ['link', 'blockquote', 'code', 'code-block'],
  ['clean'],
];

const LABELS = {
  bold: 'Bold (Ctrl+B)', italic: 'Italic (Ctrl+I)', underline: 'Underline (Ctrl+U)', strike: 'Strikethrough',
  link: 'Link (Ctrl+K)', blockquote: 'Quote', code: 'Inline code', 'code-block': 'Code block',
  clean: 'Clear formatting', 'list-ordered': 'Numbered list', 'list-bullet': 'Bulleted list',
  'list-check': 'Checklist', header: 'Heading',
};

// labelToolbar gives every toolbar control a tooltip and an accessible name.
function labelToolbar(toolbar) {
  for (const el of toolbar.querySelectorAll('button, .ql-picker')) {
    const format = [...el.classList].find((c) => c.startsWith('ql-') && c !== 'ql-picker' && c !== 'ql-active')?.slice(3);
    const key = el.value ? `${format}-${el.value}` : format;
    const label = LABELS[key] || LABELS[format];
    if (!label) continue;
    el.setAttribute('title', label);
    el.setAttribute('aria-label', label);
  }
}

// plainOps turns a Delta from either quill-delta major version into plain
// JSON ops (Quill 2 uses quill-delta 5, the rich-text type quill-delta 4).
export function plainOps(delta) {
  const ops = Array.isArray(delta) ? delta : (delta && delta.ops) || [];
  return JSON.parse(JSON.stringify(ops));
}

// RichTextEditor binds one Quill instance to doc; presence carries
// {index, length, name, color} so the peer list needs nothing else.
export class RichTextEditor {
  constructor({doc, connection, container, identity, onPeers}) {
    this.doc = doc;
    this.identity = identity;
    this.onPeers = onPeers;
    this.peers = new Map();
    this.colors = new ColorPicker(identity);
    this.root = container;
    this.quill = new Quill(container, {
      theme: 'snow',
      placeholder: 'Start writing… everyone with the link edits with you live.',
      modules: {
        toolbar: TOOLBAR,
        cursors: {hideDelayMs: 300, hideSpeedMs: 300, transformOnTextChange: true},
        history: {userOnly: true},
      },
    });
    this.cursors = this.quill.getModule('cursors');
    labelToolbar(this.quill.getModule('toolbar').container);
    this.quill.setContents(plainOps(doc.data), 'silent');
    this.range = {index: 0, length: 0};

    this.onTextChange = (delta, _old, source) => {
      if (source !== 'user') return;
      this.doc.submitOp(plainOps(delta), {source: 'quill'}, (err) => err && console.warn('weft: op', err));
    };
    this.onSelection = (range, _old, source) => {
      if (!range) return;
      this.range = {index: range.index, length: range.length};
      if (source !== 'silent') this.sendPresence();
    };
    this.onRemoteOp = (op, source) => {
      if (source === 'quill') return;
      this.quill.updateContents(plainOps(op), 'api');
    };
    this.quill.on('text-change', this.onTextChange);
    this.quill.on('selection-change', this.onSelection);
    doc.on('op', this.onRemoteOp);
    // A rejected op makes the client reload the snapshot: show it as is.
    this.onLoad = () => this.quill.setContents(plainOps(this.doc.data), 'silent');
    doc.on('load', this.onLoad);

    this.presence = connection.getDocPresence(doc.collection, doc.id);
    this.presence.subscribe((err) => err && console.warn('weft: presence', err));
    this.onReceive = (id, value) => this.receive(id, value);
    this.presence.on('receive', this.onReceive);
    this.local = this.presence.create();
    this.sendPresence();
    // Peers dropped us when our socket closed: announce ourselves again.
    this.connection = connection;
    this.onState = (state) => state === 'connected' && setTimeout(() => this.sendPresence());
    connection.on('state', this.onState);
  }

  sendPresence() {
    const value = {...this.range, name: this.identity.name, color: this.identity.color};
    this.local.submit(value, (err) => err && console.warn('weft: presence submit', err));
  }

  setIdentity(identity) {
    this.identity = identity;
    this.sendPresence();
  }

  receive(id, value) {
    if (!value) {
      this.cursors.removeCursor(id);
      this.peers.delete(id);
      this.colors.drop(id);
      clearTimeout(this.flagTimers?.get(id));
    } else {
      const name = String(value.name || 'Anonymous').slice(0, 40);
      const color = this.colors.pick(id, value.color);
      const prev = this.peers.get(id);
      if (prev && (prev.name !== name || prev.color !== color)) this.cursors.removeCursor(id);
      this.cursors.createCursor(id, name, color);
      const label = document.getElementById('ql-cursor-' + id)?.querySelector('.ql-cursor-name');
      if (label) label.setAttribute('data-testid', 'remote-cursor-name');
      if (typeof value.index === 'number') {
        this.cursors.moveCursor(id, {index: value.index, length: value.length || 0});
        this.flashFlag(id);
      }
      this.peers.set(id, {id, name, color});
    }
    this.onPeers([...this.peers.values()]);
  }

  // flashFlag shows a peer's name flag for a few seconds after they move.
  flashFlag(id) {
    this.flagTimers ??= new Map();
    clearTimeout(this.flagTimers.get(id));
    this.cursors.toggleFlag(id, true);
    this.flagTimers.set(id, setTimeout(() => {
      this.flagTimers.delete(id);
      this.cursors.toggleFlag(id, false);
    }, 3000));
  }

  // readOnlyView renders snapshot data into el for the history view.
  static preview(el, data) {
    const q = new Quill(el, {theme: 'snow', readOnly: true, modules: {toolbar: false}});
    q.setContents(plainOps(data), 'silent');
    return q;
  }

  focus() {
    this.quill.focus();
  }

  destroy() {
    for (const t of this.flagTimers?.values() || []) clearTimeout(t);
    this.quill.off('text-change', this.onTextChange);
    this.quill.off('selection-change', this.onSelection);
    this.doc.removeListener('op', this.onRemoteOp);
    this.doc.removeListener('load', this.onLoad);
    this.presence.removeListener('receive', this.onReceive);
    this.connection.removeListener('state', this.onState);
    this.presence.destroy();
  }
}
