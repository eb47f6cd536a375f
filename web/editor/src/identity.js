// The local user's display name and colour, kept in localStorage, asked for
// once (with a random friendly default); ?name= sets it without asking.
import {COLORS, colorFor, h, randomInt, randomName} from './util.js';

const NAME_KEY = 'weft.name';
const COLOR_KEY = 'weft.color';

function store(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch (e) { /* private mode: keep it for this page only */ }
}

function load(key) {
  try {
    return localStorage.getItem(key);
  } catch (e) {
    return null;
  }
}

export class Identity {
  constructor() {
    const params = new URLSearchParams(location.search);
    const fromURL = params.get('name');
    if (fromURL) {
      store(NAME_KEY, fromURL.slice(0, 40));
      // Keep the name out of links people copy from the address bar.
      params.delete('name');
      const qs = params.toString();
      history.replaceState(history.state, '', location.pathname + (qs ? '?' + qs : '') + location.hash);
    }
    this.name = load(NAME_KEY) || fromURL || randomName();
    this.asked = !!(load(NAME_KEY) || fromURL);
    this.color = load(COLOR_KEY) || COLORS[randomInt(COLORS.length)];
    if (!COLORS.includes(this.color)) this.color = colorFor(this.name);
    store(COLOR_KEY, this.color);
    this.listeners = [];
  }

  onChange(fn) {
    this.listeners.push(fn);
  }

  set(name) {
    this.name = name.trim().slice(0, 40) || this.name;
    this.asked = true;
    store(NAME_KEY, this.name);
    for (const fn of this.listeners) fn(this);
  }

  // ask opens the name dialog; it never blocks the editor underneath.
  ask() {
    const input = h('input', {type: 'text', maxlength: 40, value: this.name, 'data-testid': 'name-input',
      'aria-label': 'Display name', autocomplete: 'nickname'});
    const dialog = h('dialog', {class: 'name-dialog', 'data-testid': 'name-dialog'},
      h('form', {method: 'dialog'},
        h('h2', {}, 'What should we call you?'),
        h('p', {class: 'muted'}, 'Collaborators see this name next to your cursor.'),
        input,
        h('div', {class: 'dialog-actions'},
          h('button', {type: 'button', class: 'btn btn-ghost', onclick: () => {
            input.value = randomName();
            input.focus();
          }}, 'Shuffle'),
          h('button', {type: 'submit', class: 'btn btn-primary', 'data-testid': 'name-save'}, 'Continue'))));
    dialog.addEventListener('close', () => {
      this.set(input.value);
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    input.select();
  }
}
