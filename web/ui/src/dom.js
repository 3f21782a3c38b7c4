// A tiny element builder. Text always goes in as text (never as HTML), so
// data from recordings cannot inject markup into the UI.

// h builds an element: h('a', {href: '/x', class: 'link', onclick: fn}, 'text', child, ...).
// Attributes: class, text, dataset (object), style (object), on<event>
// (listeners), boolean true/false (present/absent), anything else as an
// attribute. Children: nodes, strings, numbers, arrays; null and false are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') el.className = value;
      else if (name === 'text') el.textContent = value;
      else if (name === 'dataset') Object.assign(el.dataset, value);
      else if (name === 'style' && typeof value === 'object') Object.assign(el.style, value);
      else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
      else if (name === 'value' && 'value' in el) el.value = value;
      else if (name === 'checked' || name === 'selected' || name === 'disabled') el[name] = Boolean(value);
      else if (value === true) el.setAttribute(name, '');
      else el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

// clear removes every child of el and appends the new ones.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}
