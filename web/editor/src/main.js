// Weft's browser editor: app shell and routing. Routes: "/" (home) and
// "/d/{collection}/{id}" (a document); everything else shows the home page.
import 'quill/dist/quill.snow.css';
import './style.css';
import {openConnection, StatusPill} from './connection.js';
import {Identity} from './identity.js';
import {renderHome} from './home.js';
import {DocView, PresenceList, preloadEditors} from './docview.js';
import {h} from './util.js';

const COLLECTION = 'docs';

function parseRoute(pathname) {
  const m = /^\/d\/([^/]+)\/([^/]+)\/?$/.exec(pathname);
  if (!m) return {name: 'home'};
  try {
    return {name: 'doc', collection: decodeURIComponent(m[1]), id: decodeURIComponent(m[2])};
  } catch (e) {
    return {name: 'home'};
  }
}

function main() {
  const {socket, connection} = openConnection();
  const identity = new Identity();
  window.weft = {connection, socket, doc: null, editor: null, identity};
  const status = new StatusPill(connection);
  const presenceList = new PresenceList();
  const me = h('button', {class: 'me', 'data-testid': 'me', title: 'Change your display name',
    onclick: () => identity.ask()});
  const renderMe = () => {
    me.replaceChildren(h('span', {class: 'me-dot', style: `background: ${identity.color}`}),
      h('span', {class: 'me-name'}, identity.name), h('span', {class: 'me-edit', 'aria-hidden': 'true'}));
  };
  renderMe();
  const outlet = h('main', {class: 'outlet'});
  const crumb = h('div', {class: 'crumb'});
  const header = h('header', {class: 'topbar'},
    h('a', {class: 'brand', href: '/', onclick: (e) => navigate(e, '/')},
      h('span', {class: 'logo', 'aria-hidden': 'true'}), 'Weft'),
    crumb, h('div', {class: 'spacer'}), presenceList.el, status.el, me);
  document.getElementById('app').replaceChildren(header, outlet);

  let view = null;
  const render = () => {
    if (view) view.destroy();
    view = null;
    status.setDoc(null);
    window.weft.doc = window.weft.editor = window.weft.quill = window.weft.view = null;
    const route = parseRoute(location.pathname);
    presenceList.el.hidden = route.name !== 'doc';
    crumb.replaceChildren();
    if (route.name === 'doc') {
      view = new DocView({connection, collection: route.collection, id: route.id, identity, presenceList,
        status, navigate});
      crumb.append(view.title);
      outlet.replaceChildren(view.el);
      document.title = `${route.id} · Weft`;
      if (!identity.asked) identity.ask();
    } else {
      outlet.replaceChildren(renderHome({connection, collection: COLLECTION, navigate}));
      document.title = 'Weft: collaborative documents';
    }
  };
  function navigate(event, path) {
    if (event && (event.metaKey || event.ctrlKey || event.shiftKey || event.button === 1)) return;
    if (event) event.preventDefault();
    const keep = new URLSearchParams(location.search);
    keep.delete('name');
    const qs = keep.toString();
    history.pushState(null, '', path + (qs ? '?' + qs : ''));
    render();
  }
  identity.onChange(() => {
    renderMe();
    if (view) view.setIdentity(identity);
  });
  addEventListener('popstate', render);
  // Unsent edits live in memory: ask before the page goes away with some.
  addEventListener('beforeunload', (e) => {
    const doc = window.weft.doc;
    if (doc && doc.hasWritePending()) {
      e.preventDefault();
      e.returnValue = '';
    }
  });
  addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && view && view.history) view.closeHistory();
  });
  render();
  window.weft.editorsReady = preloadEditors().catch(() => false);
}

main();
