// The document page: editor, presence list, history and export.
import {h, initials} from './util.js';
import {RICH, PLAIN, createDoc, typeLabel} from './home.js';

// The editors load on demand: a rich-text page never downloads CodeMirror and
// a plain-text page never downloads Quill.
const EDITORS = {
  [RICH]: () => import('./richtext.js').then((m) => m.RichTextEditor),
  [PLAIN]: () => import('./plaintext.js').then((m) => m.PlainTextEditor),
};

// preloadEditors fetches both editors in the background so that a document
// opened or created later (even offline) needs no network to show.
export function preloadEditors() {
  return Promise.all(Object.values(EDITORS).map((load) => load())).then(() => true);
}
import {HistoryPanel} from './history.js';

// PresenceList renders "who is here": the local user first, then peers.
export class PresenceList {
  constructor() {
    this.el = h('ul', {class: 'presence', 'data-testid': 'presence-list', 'aria-label': 'Who is here'});
    this.summary = h('span', {class: 'presence-summary', 'data-testid': 'presence-summary'});
    this.self = null;
    this.peers = [];
  }
  set(self, peers) {
    this.self = self;
    this.peers = peers;
    const people = [{...self, id: 'self', me: true}, ...peers];
    this.el.dataset.count = String(people.length);
    const others = peers.length;
    if (others === 0) {
      this.summary.replaceChildren('Only you here. Share the link, or ',
        h('a', {href: location.href, target: '_blank', rel: 'noopener', 'data-testid': 'open-window'},
          'open it in another window'), ' to see live editing.');
    } else {
      this.summary.textContent = others === 1 ? `Editing with ${peers[0].name}` : `Editing with ${others} others`;
    }
    this.el.replaceChildren(...people.slice(0, 6).map((p) =>
      h('li', {class: 'avatar' + (p.me ? ' avatar-me' : ''), style: `--c: ${p.color}`, 'data-testid': 'presence-user',
        'data-name': p.name, 'data-self': p.me ? 'true' : null, title: p.me ? `${p.name} (you)` : p.name},
      initials(p.name))));
    if (people.length > 6) {
      this.el.append(h('li', {class: 'avatar avatar-more', title: people.slice(6).map((p) => p.name).join(', ')},
        `+${people.length - 6}`));
    }
  }
}

const API = (doc) => `/api/v1/docs/${encodeURIComponent(doc.collection)}/${encodeURIComponent(doc.id)}`;

function exportLinks(doc) {
  return [
    h('a', {class: 'btn btn-ghost btn-sm', href: `${API(doc)}?format=text`, download: `${doc.id}.txt`,
      'data-testid': 'export-text', title: 'Download as plain text'}, 'Export .txt'),
    h('a', {class: 'btn btn-ghost btn-sm', href: API(doc), download: `${doc.id}.json`,
      'data-testid': 'export-json', title: 'Download the JSON snapshot'}, 'Export .json'),
  ];
}

function copyLink(button) {
  const done = () => {
    button.textContent = 'Link copied';
    setTimeout(() => (button.textContent = 'Share'), 1600);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(location.href).then(done, () => prompt('Copy this link', location.href));
  } else {
    prompt('Copy this link', location.href);
  }
}

// DocView owns one open document until destroy.
export class DocView {
  constructor({connection, collection, id, identity, presenceList, status, navigate}) {
    this.connection = connection;
    this.identity = identity;
    this.presenceList = presenceList;
    this.navigate = navigate;
    this.doc = connection.get(collection, id);
    this.editor = null;
    this.history = null;
    status.setDoc(this.doc);
    presenceList.set(identity, []);
    window.weft.doc = this.doc;

    this.title = h('div', {class: 'doc-title'},
      h('span', {class: 'doc-name', 'data-testid': 'doc-id'}, id),
      this.badge = h('span', {class: 'badge', 'data-testid': 'doc-type', hidden: true}));
    const share = h('button', {class: 'btn btn-ghost btn-sm', 'data-testid': 'share-button',
      onclick: () => copyLink(share)}, 'Share');
    this.historyToggle = h('button', {class: 'btn btn-ghost btn-sm', 'data-testid': 'history-toggle',
      'aria-pressed': 'false', disabled: true, onclick: () => this.toggleHistory()}, 'History');
    this.actions = h('div', {class: 'doc-actions'}, share, this.historyToggle, ...exportLinks(this.doc));
    this.editorHost = h('div', {class: 'editor-host', 'data-testid': 'editor', 'data-ready': 'false'},
      h('div', {class: 'loading'}, h('span', {class: 'spinner'}), 'Opening document…'));
    this.historyHost = h('div', {class: 'history', hidden: true});
    this.el = h('div', {class: 'docpage'},
      h('div', {class: 'docbar'}, this.title, presenceList.summary, this.actions),
      h('div', {class: 'sheet'}, this.editorHost, this.historyHost));
    this.onDel = () => this.editorHost.replaceChildren(h('div', {class: 'notice', 'data-testid': 'doc-deleted'},
      h('h2', {}, 'This document was deleted'), h('a', {href: '/', onclick: (e) => this.navigate(e, '/')}, 'All documents')));
    this.doc.on('del', this.onDel);
    // A doc already known here (just created, or cached from an earlier
    // visit) opens at once, even offline; subscribing catches it up.
    this.doc.subscribe((err) => (err || !this.mounted) && this.loaded(err));
    if (this.doc.type) this.loaded(null);
  }

  async loaded(err) {
    if (this.destroyed || this.mounted) return;
    if (err) {
      this.editorHost.replaceChildren(h('div', {class: 'notice notice-error'}, `Could not open the document: ${err.message}`));
      return;
    }
    if (!this.doc.type) return this.missing();
    this.mounted = true;
    const kind = this.doc.type.name;
    this.kind = kind;
    this.badge.hidden = false;
    this.badge.textContent = typeLabel(kind);
    this.badge.className = 'badge ' + (kind === RICH ? 'badge-rich' : 'badge-plain');
    if (!EDITORS[kind]) {
      this.editorHost.replaceChildren(h('div', {class: 'notice'}, `This document has type “${kind}”, which the editor cannot show.`));
      return;
    }
    let Editor;
    try {
      Editor = await EDITORS[kind]();
    } catch (e) {
      this.editorHost.replaceChildren(h('div', {class: 'notice notice-error'}, `Could not load the editor: ${e.message}`));
      return;
    }
    if (this.destroyed) return;
    this.Editor = Editor;
    const container = h('div', {class: kind === RICH ? 'rich-root' : 'plain-root'});
    this.editorHost.replaceChildren(container);
    this.editorHost.dataset.type = kind;
    this.editor = new Editor({doc: this.doc, connection: this.connection, container, identity: this.identity,
      onPeers: (peers) => this.presenceList.set(this.identity, peers)});
    this.presenceList.set(this.identity, []);
    Object.assign(window.weft, {editor: this.editor, quill: this.editor.quill || null,
      view: this.editor.view || null, presence: this.editor.presence});
    this.editorHost.dataset.ready = 'true';
    this.historyToggle.disabled = false;
    this.editor.focus();
  }

  missing() {
    const create = (kind) => () => {
      createDoc(this.connection, this.doc.collection, kind, this.doc.id);
      this.loaded(null);
    };
    this.editorHost.replaceChildren(h('div', {class: 'notice', 'data-testid': 'doc-missing'},
      h('h2', {}, 'This document does not exist yet'),
      h('p', {class: 'muted'}, 'Create it with this name, or go back to the document list.'),
      h('div', {class: 'hero-actions'},
        h('button', {class: 'btn btn-primary', onclick: create(RICH)}, 'Create rich-text document'),
        h('button', {class: 'btn btn-secondary', onclick: create(PLAIN)}, 'Create plain-text document'),
        h('a', {class: 'btn btn-ghost', href: '/', onclick: (e) => this.navigate(e, '/')}, 'All documents'))));
  }

  toggleHistory() {
    if (this.history) return this.closeHistory();
    const Editor = this.Editor;
    this.history = new HistoryPanel({doc: this.doc, connection: this.connection,
      preview: (el, data) => Editor.preview(el, data), onClose: () => this.closeHistory()});
    this.historyHost.replaceChildren(this.history.bar, this.history.view);
    this.historyHost.hidden = false;
    this.editorHost.hidden = true;
    this.historyToggle.setAttribute('aria-pressed', 'true');
    this.historyToggle.classList.add('active');
  }

  closeHistory() {
    if (!this.history) return;
    this.history.destroy();
    this.history = null;
    this.historyHost.hidden = true;
    this.historyHost.replaceChildren();
    this.editorHost.hidden = false;
    this.historyToggle.setAttribute('aria-pressed', 'false');
    this.historyToggle.classList.remove('active');
    if (this.editor) this.editor.focus();
  }

  setIdentity(identity) {
    if (this.editor) this.editor.setIdentity(identity);
    this.presenceList.set(identity, this.presenceList.peers);
  }

  destroy() {
    this.destroyed = true;
    this.doc.removeListener('del', this.onDel);
    if (this.history) this.history.destroy();
    if (this.editor) this.editor.destroy();
    // Unsent ops keep flowing: only unsubscribe a doc with nothing pending.
    if (!this.doc.hasWritePending()) this.doc.unsubscribe();
  }
}
