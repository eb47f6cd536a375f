// The history view: a slider over versions 0..live that shows a read-only
// snapshot fetched with connection.fetchSnapshot, and a way back to live.
import {h} from './util.js';

export class HistoryPanel {
  // preview(el, data) renders snapshot data read-only into el.
  constructor({doc, connection, preview, onClose}) {
    this.doc = doc;
    this.connection = connection;
    this.preview = preview;
    this.onClose = onClose;
    this.seq = 0;
    this.slider = h('input', {type: 'range', min: 0, max: Math.max(1, doc.version), step: 1,
      value: doc.version, 'data-testid': 'history-slider', 'aria-label': 'Version',
      oninput: () => this.schedule()});
    this.label = h('span', {class: 'history-label', 'data-testid': 'history-version'});
    this.prev = h('button', {class: 'btn btn-ghost btn-sm', title: 'Previous version', 'aria-label': 'Previous version',
      'data-testid': 'history-prev', onclick: () => this.step(-1)}, '‹');
    this.next = h('button', {class: 'btn btn-ghost btn-sm', title: 'Next version', 'aria-label': 'Next version',
      'data-testid': 'history-next', onclick: () => this.step(1)}, '›');
    this.live = h('button', {class: 'btn btn-primary btn-sm', 'data-testid': 'history-live',
      onclick: () => this.onClose()}, 'Back to live');
    this.view = h('div', {class: 'history-preview', 'data-testid': 'history-preview'});
    this.bar = h('div', {class: 'history-bar', 'data-testid': 'history-controls'},
      h('span', {class: 'history-title'}, 'History'), this.prev, this.slider, this.next, this.label,
      h('span', {class: 'badge'}, 'Read-only'), this.live);
    this.onOp = () => this.updateMax();
    doc.on('op', this.onOp);
    this.show(doc.version);
  }

  updateMax() {
    const atEnd = Number(this.slider.value) === Number(this.slider.max);
    this.slider.max = Math.max(1, this.doc.version);
    if (atEnd) this.slider.value = this.doc.version;
    this.setLabel(Number(this.slider.value), false);
  }

  step(d) {
    const v = Math.min(this.doc.version, Math.max(0, Number(this.slider.value) + d));
    this.slider.value = v;
    this.show(v);
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.show(Number(this.slider.value)), 120);
  }

  setLabel(v, loading) {
    this.label.textContent = `Version ${v} of ${this.doc.version}` + (loading ? ' · loading…' : '');
    this.label.dataset.version = String(v);
    this.prev.disabled = v <= 0;
    this.next.disabled = v >= this.doc.version;
  }

  // show fetches version v; a stale reply (the slider moved on) is dropped.
  show(v) {
    const seq = ++this.seq;
    this.setLabel(v, true);
    this.view.dataset.loaded = 'false';
    this.connection.fetchSnapshot(this.doc.collection, this.doc.id, v, (err, snapshot) => {
      if (seq !== this.seq) return;
      this.setLabel(v, false);
      this.view.replaceChildren();
      if (err) {
        this.view.append(h('p', {class: 'muted'}, 'Could not load this version: ' + (err.message || err)));
      } else if (!snapshot.type) {
        this.view.append(h('p', {class: 'muted empty-version'}, 'Version 0: the document before it was created.'));
      } else {
        const inner = h('div', {class: 'history-doc'});
        this.view.append(inner);
        this.preview(inner, snapshot.data);
      }
      this.view.dataset.version = String(v);
      this.view.dataset.loaded = 'true';
    });
  }

  destroy() {
    clearTimeout(this.timer);
    this.seq++;
    this.doc.removeListener('op', this.onOp);
  }
}
