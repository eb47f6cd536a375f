// The home page: create a document, list existing ones through the REST API.
import {h, newDocId} from './util.js';

export const RICH = 'rich-text';
export const PLAIN = 'text-unicode';

// typeKind maps a type name or URI from the REST API to rich-text/text-unicode.
export function typeKind(type) {
  const s = String(type || '');
  if (s.includes('rich-text')) return RICH;
  if (s.includes('text-unicode')) return PLAIN;
  return s || 'unknown';
}

export function typeLabel(kind) {
  return kind === RICH ? 'Rich text' : kind === PLAIN ? 'Plain text' : kind;
}

export function docPath(collection, id) {
  return `/d/${encodeURIComponent(collection)}/${encodeURIComponent(id)}`;
}

// createDoc creates a document locally (queued if offline) and returns its id.
export function createDoc(connection, collection, kind, id = newDocId()) {
  const doc = connection.get(collection, id);
  const data = kind === RICH ? [{insert: '\n'}] : '';
  doc.create(data, kind, (err) => err && console.warn('weft: create', err));
  return id;
}

// snapshotText is the text of rich-text ops or a text-unicode string.
function snapshotText(data) {
  if (typeof data === 'string') return data;
  const ops = Array.isArray(data) ? data : (data && data.ops) || [];
  return ops.map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
}

async function getJSON(url) {
  const res = await fetch(url, {headers: {Accept: 'application/json'}});
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const msg = body && body.error ? body.error.message : res.statusText;
    throw new Error(`${res.status} ${msg}`);
  }
  return body;
}

function docRow(collection, id, navigate) {
  const badge = h('span', {class: 'badge', 'data-testid': 'doc-type'}, '…');
  const meta = h('span', {class: 'doc-meta'});
  const href = docPath(collection, id);
  const title = h('span', {class: 'doc-title-text muted'}, 'Loading…');
  const link = h('a', {href, class: 'doc-link', 'data-testid': 'doc-link', onclick: (e) => navigate(e, href)},
    h('span', {class: 'doc-icon', 'aria-hidden': 'true'}),
    h('span', {class: 'doc-text'}, title, h('span', {class: 'doc-id'}, id)));
  const row = h('li', {class: 'doc-row', 'data-testid': 'doc-row', 'data-id': id}, link, meta, badge);
  getJSON(`/api/v1/docs/${encodeURIComponent(collection)}/${encodeURIComponent(id)}`).then((snap) => {
    if (!snap.type) {
      row.dataset.type = 'deleted';
      badge.textContent = 'Deleted';
      title.textContent = 'Deleted document';
      return;
    }
    const kind = typeKind(snap.type);
    row.dataset.type = kind;
    badge.textContent = typeLabel(kind);
    badge.classList.add(kind === RICH ? 'badge-rich' : 'badge-plain');
    link.firstChild.classList.add(kind === RICH ? 'icon-rich' : 'icon-plain');
    meta.textContent = `${snap.v} edit${snap.v === 1 ? '' : 's'}`;
    const first = snapshotText(snap.data).split('\n').map((l) => l.trim()).find(Boolean);
    title.textContent = first ? first.slice(0, 90) : 'Untitled';
    title.classList.toggle('muted', !first);
  }, () => {
    badge.textContent = 'unavailable';
  });
  return row;
}

export function renderHome({connection, collection, navigate}) {
  const list = h('ul', {class: 'doc-list', 'data-testid': 'doc-list'});
  const status = h('p', {class: 'muted list-status'}, 'Loading documents…');
  const more = h('button', {class: 'btn btn-ghost', hidden: true, 'data-testid': 'doc-list-more'}, 'Load more');
  let after = null;
  const load = async () => {
    more.disabled = true;
    try {
      const q = new URLSearchParams({limit: '50'});
      if (after) q.set('after', after);
      const page = await getJSON(`/api/v1/docs/${encodeURIComponent(collection)}?${q}`);
      const ids = page.ids || [];
      for (const id of ids) list.append(docRow(collection, id, navigate));
      after = page.next || null;
      more.hidden = !after;
      status.hidden = list.children.length > 0;
      status.textContent = 'No documents yet. Create the first one above.';
    } catch (e) {
      status.hidden = false;
      status.textContent = `Could not load the document list (${e.message}).`;
    }
    more.disabled = false;
  };
  more.addEventListener('click', load);
  load();

  const create = (kind) => () => {
    const id = createDoc(connection, collection, kind);
    navigate(null, docPath(collection, id));
  };
  return h('div', {class: 'home', 'data-testid': 'home'},
    h('section', {class: 'hero'},
      h('h1', {}, 'Write together, ', h('span', {class: 'accent'}, 'live.')),
      h('p', {class: 'lead'}, 'Start a document and share its link. Everyone sees each other\'s cursors and edits ' +
        'as they type, and changes made offline sync when the connection returns.'),
      h('div', {class: 'hero-actions'},
        h('button', {class: 'btn btn-primary btn-lg', 'data-testid': 'new-rich-text', onclick: create(RICH)},
          h('span', {class: 'btn-icon icon-rich', 'aria-hidden': 'true'}), 'New rich-text document'),
        h('button', {class: 'btn btn-secondary btn-lg', 'data-testid': 'new-plain-text', onclick: create(PLAIN)},
          h('span', {class: 'btn-icon icon-plain', 'aria-hidden': 'true'}), 'New plain-text document'))),
    h('ul', {class: 'features'},
      h('li', {}, h('strong', {}, 'Live cursors'), h('span', {}, 'See who is here and where they are typing.')),
      h('li', {}, h('strong', {}, 'Offline-safe'), h('span', {}, 'Keep typing without a connection; nothing is lost.')),
      h('li', {}, h('strong', {}, 'Full history'), h('span', {}, 'Scrub back through every version, export any time.'))),
    h('section', {class: 'card'},
      h('div', {class: 'card-head'}, h('h2', {}, 'Documents'), h('span', {class: 'muted'}, `collection “${collection}”`)),
      list, status, more));
}
