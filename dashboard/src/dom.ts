/**
 * DOM helpers of the dashboard. Every string from the data goes in as text (textContent, text nodes), never
 * as HTML: run files are untrusted (a hostname or an error message can hold markup).
 */

/** What `el` and `append` accept as children: nodes, text (numbers are written with String()), nested lists. */
export type Content = Node | string | number | null | undefined | false | readonly Content[];

/** Attributes of `el`: `text` sets textContent, `cls` the class; null / undefined / false leave it out. */
export type Attrs = Record<string, string | number | boolean | null | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Content[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else if (k === 'cls') node.className = String(v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children) append(node, c);
  return node;
}

export function append(node: Node, child: Content): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) for (const c of child as readonly Content[]) append(node, c);
  else if (typeof child === 'object') node.appendChild(child as Node);
  else node.appendChild(document.createTextNode(String(child)));
}

/** A coloured label (`measured`, `simulated`, `published`, a comparison status...); the class is the kind. */
export function badge(kind: string, text?: string): HTMLSpanElement {
  return el('span', { cls: 'badge ' + kind.replace(/[^a-z-]/g, ''), text: text || kind });
}

export function note(text: string): HTMLParagraphElement {
  return el('p', { cls: 'note', text });
}

/** A row of headline figures: each `[value, caption]`. */
export function stats(items: readonly [value: string, caption: string][]): HTMLDivElement {
  return el('div', { cls: 'stats' }, ...items.map(([value, caption]) => el('div', null, el('b', { text: value }), caption)));
}
