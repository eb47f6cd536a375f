// The plain-text binding: CodeMirror 6 over a sharedb doc of type
// text-unicode. CodeMirror counts UTF-16 code units, text-unicode counts code
// points; every offset crossing the boundary is converted here.
import {Annotation, ChangeSet, EditorState, StateEffect, StateField} from '@codemirror/state';
import {Decoration, EditorView, WidgetType, drawSelection, highlightActiveLine, keymap,
  lineNumbers, placeholder} from '@codemirror/view';
import {defaultKeymap, history, historyKeymap, indentWithTab} from '@codemirror/commands';
import {type as textUnicodeType} from 'ot-text-unicode';
import {ColorPicker, cpLen, cpToUtf16, unsentCount, utf16Advance} from './util.js';

const remoteAnnotation = Annotation.define();
const setCursors = StateEffect.define();

// changesToOp converts a CodeMirror ChangeSet against oldText (a string or
// a CodeMirror Text) into a text-unicode op (skip counts, insert strings,
// {d: n} deletes in code points).
export function changesToOp(changes, oldText) {
  const slice = typeof oldText === 'string' ? (a, b) => oldText.slice(a, b) : (a, b) => oldText.sliceString(a, b);
  const op = [];
  let last = 0; // UTF-16 offset in oldText already covered by op
  const push = (c) => {
    const prev = op[op.length - 1];
    if (typeof c === 'number' && typeof prev === 'number') op[op.length - 1] = prev + c;
    else if (typeof c === 'string' && typeof prev === 'string') op[op.length - 1] = prev + c;
    else op.push(c);
  };
  changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
    const skip = cpLen(slice(last, fromA));
    if (skip) push(skip);
    const del = cpLen(slice(fromA, toA));
    if (del) push({d: del});
    const text = inserted.toString();
    if (text) push(text);
    last = toA;
  });
  return op;
}

// opToChanges converts a text-unicode op into CodeMirror change specs
// against text (positions in the pre-op document, UTF-16).
export function opToChanges(op, text) {
  const changes = [];
  let pos = 0;
  for (const c of op) {
    if (typeof c === 'number') {
      pos = utf16Advance(text, pos, c);
    } else if (typeof c === 'string') {
      changes.push({from: pos, insert: c});
    } else if (c && c.d != null) {
      const n = typeof c.d === 'number' ? c.d : cpLen(c.d);
      const to = utf16Advance(text, pos, n);
      changes.push({from: pos, to});
      pos = to;
    }
  }
  return changes;
}

// loneSurrogateIn reports whether doc (a CodeMirror Text) has half a
// surrogate pair at an edge of, or inside, a range that changes touched (in
// the new document).
export function loneSurrogateIn(changes, doc) {
  const unit = (i) => (i >= 0 && i < doc.length ? doc.sliceString(i, i + 1).charCodeAt(0) : 0);
  const high = (c) => c >= 0xd800 && c <= 0xdbff;
  const low = (c) => c >= 0xdc00 && c <= 0xdfff;
  let found = false;
  changes.iterChangedRanges((_fromA, _toA, fromB, toB) => {
    for (let i = Math.max(0, fromB - 1); !found && i <= Math.min(doc.length - 1, toB); i++) {
      const c = unit(i);
      found = (high(c) && !low(unit(i + 1))) || (low(c) && !high(unit(i - 1)));
    }
  }, true);
  return found;
}

// HeldEdits keeps local edits back while they leave half a surrogate pair
// in the text. Firefox delivers a typed astral character (an emoji, 𝔸) as
// two input events, one per UTF-16 unit; text-unicode counts code points,
// and the server refuses a lone surrogate, so the first half must not be
// submitted on its own. Remote ops arriving meanwhile are mapped over the
// held edits, and the held edits over them.
export class HeldEdits {
  // base is the text the held changes apply to (always equal to doc.data).
  constructor() {
    this.changes = null;
    this.base = null;
    this.updates = 0;
  }

  get holding() {
    return this.changes !== null;
  }

  // local records a local update (changes from startDoc to doc). It returns
  // {changes, base} to submit now, null while the text has half a pair, or,
  // when a second update still leaves one, {strip} (UTF-16 ranges of the
  // lone halves, to delete from the editor; that deletion comes back here
  // as the next local update).
  local(changes, startDoc, doc) {
    const all = this.changes ? this.changes.compose(changes) : changes;
    const base = this.changes ? this.base : startDoc;
    if (!loneSurrogateIn(all, doc)) {
      this.reset();
      return {changes: all, base};
    }
    this.changes = all;
    this.base = base;
    if (++this.updates < 2) return null;
    const strip = [];
    const text = doc.toString();
    for (const m of text.matchAll(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g)) {
      strip.push({from: m.index, to: m.index + 1});
    }
    return {strip};
  }

  // remote maps a remote change set (against base) over the held changes:
  // it returns the changes to apply to the editor's text.
  remote(changes) {
    const shown = changes.map(this.changes);
    this.changes = this.changes.map(changes, true);
    this.base = changes.apply(this.base);
    return shown;
  }

  reset() {
    this.changes = null;
    this.base = null;
    this.updates = 0;
  }
}

// selectionRange is the main selection in code points.
function selectionRange(state) {
  const sel = state.selection.main;
  const index = cpLen(state.doc.sliceString(0, sel.from));
  return {index, length: cpLen(state.doc.sliceString(sel.from, sel.to))};
}

class CaretWidget extends WidgetType {
  constructor(name, color) {
    super();
    this.name = name;
    this.color = color;
  }
  eq(other) {
    return other.name === this.name && other.color === this.color;
  }
  toDOM() {
    const caret = document.createElement('span');
    caret.className = 'cm-remote-caret';
    caret.style.borderColor = this.color;
    const label = document.createElement('span');
    label.className = 'cm-remote-name';
    label.dataset.testid = 'remote-cursor-name';
    label.style.backgroundColor = this.color;
    label.textContent = this.name;
    caret.append(label);
    return caret;
  }
  ignoreEvent() {
    return true;
  }
}

function buildDecorations(list, len) {
  const ranges = [];
  for (const c of list) {
    const from = Math.min(c.from, len);
    const to = Math.min(c.to, len);
    if (to > from) {
      ranges.push(Decoration.mark({attributes: {style: `background-color: ${c.color}33`}}).range(from, to));
    }
    ranges.push(Decoration.widget({widget: new CaretWidget(c.name, c.color), side: 1}).range(to));
  }
  return Decoration.set(ranges, true);
}

const remoteCursorField = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) {
      if (e.is(setCursors)) return buildDecorations(e.value, tr.state.doc.length);
    }
    return deco.map(tr.changes);
  },
  provide: (f) => EditorView.decorations.from(f),
});

// PlainTextEditor binds one CodeMirror view to doc; remote cursors travel
// over a presence channel because text-unicode has no transformPresence.
export class PlainTextEditor {
  constructor({doc, connection, container, identity, onPeers}) {
    this.doc = doc;
    this.identity = identity;
    this.onPeers = onPeers;
    this.colors = new ColorPicker(identity);
    this.peers = new Map(); // id -> {id, name, color, index, length, v} (code points)
    this.range = {index: 0, length: 0};
    this.held = new HeldEdits();
    this.view = new EditorView({
      parent: container,
      state: EditorState.create({
        doc: doc.data || '',
        extensions: [
          lineNumbers(), history(), drawSelection(), highlightActiveLine(), EditorView.lineWrapping,
          placeholder('Start typing… everyone with the link edits with you live.'),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          remoteCursorField,
          EditorView.updateListener.of((u) => this.onUpdate(u)),
        ],
      }),
    });
    this.onOp = (op, source) => this.applyRemote(op, source);
    doc.on('op', this.onOp);
    // A rejected op makes the client reload the snapshot: show it as is.
    this.onLoad = () => {
      this.held.reset();
      this.view.dispatch({annotations: remoteAnnotation.of(true),
        changes: {from: 0, to: this.view.state.doc.length, insert: this.doc.data || ''}});
    };
    doc.on('load', this.onLoad);
    this.presence = connection.getPresence(`weft-text:${doc.collection}/${doc.id}`);
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

  onUpdate(u) {
    const remote = u.transactions.some((tr) => tr.annotation(remoteAnnotation));
    if (u.docChanged && !remote) {
      const ready = this.held.local(u.changes, u.startState.doc, u.state.doc);
      // Half a surrogate pair: wait for the other half (see HeldEdits).
      if (!ready) return;
      if (ready.strip) {
        queueMicrotask(() => this.view.dispatch({changes: ready.strip}));
        return;
      }
      const op = changesToOp(ready.changes, ready.base);
      if (op.length) {
        this.doc.submitOp(op, {source: 'codemirror'}, (err) => err && console.warn('weft: op', err));
        this.transformPeers(op, null);
      }
    }
    if (u.selectionSet || (u.docChanged && !remote)) {
      this.range = selectionRange(u.state);
      if (!remote) this.sendPresence();
    }
  }

  applyRemote(op, source) {
    if (source === 'codemirror') return;
    let changes;
    if (this.held.holding) {
      const base = this.held.base;
      changes = this.held.remote(ChangeSet.of(opToChanges(op, base.toString()), base.length));
    } else {
      changes = opToChanges(op, this.view.state.doc.toString());
    }
    this.view.dispatch({changes, annotations: remoteAnnotation.of(true)});
    this.range = selectionRange(this.view.state);
    this.transformPeers(op, this.doc.version - 1);
  }

  // transformPeers moves stored remote cursors over op. base is the version
  // a remote op applies to (null for a local op): a cursor already sent at a
  // later version has seen it.
  transformPeers(op, base) {
    for (const p of this.peers.values()) {
      if (base != null && p.v > base) continue;
      const start = textUnicodeType.transformPosition(p.index, op);
      const end = textUnicodeType.transformPosition(p.index + p.length, op);
      p.index = start;
      p.length = Math.max(0, end - start);
      if (base != null) p.v = base + 1;
    }
    this.renderPeers();
  }

  sendPresence() {
    const value = {...this.range, name: this.identity.name, color: this.identity.color,
      v: this.doc.version + unsentCount(this.doc)};
    this.local.submit(value, (err) => err && console.warn('weft: presence submit', err));
  }

  setIdentity(identity) {
    this.identity = identity;
    this.sendPresence();
  }

  receive(id, value) {
    if (!value) {
      this.peers.delete(id);
      this.colors.drop(id);
    } else {
      this.peers.set(id, {id, name: String(value.name || 'Anonymous').slice(0, 40),
        color: this.colors.pick(id, value.color),
        index: value.index | 0, length: value.length | 0, v: value.v | 0});
    }
    this.renderPeers();
    this.onPeers([...this.peers.values()].map(({id, name, color}) => ({id, name, color})));
  }

  renderPeers() {
    const text = this.view.state.doc.toString();
    const list = [...this.peers.values()].map((p) => ({name: p.name, color: p.color,
      from: cpToUtf16(text, p.index), to: cpToUtf16(text, p.index + p.length)}));
    this.view.dispatch({effects: setCursors.of(list)});
  }

  static preview(el, data) {
    const pre = document.createElement('pre');
    pre.className = 'plain-preview';
    pre.textContent = typeof data === 'string' ? data : '';
    el.append(pre);
  }

  focus() {
    this.view.focus();
  }

  destroy() {
    this.doc.removeListener('op', this.onOp);
    this.doc.removeListener('load', this.onLoad);
    this.presence.removeListener('receive', this.onReceive);
    this.connection.removeListener('state', this.onState);
    this.presence.destroy();
    this.view.destroy();
  }
}
