/** A small element builder: text is always set as text, never parsed as HTML. */

export type Child = Node | string | number | null | undefined | false | Child[];

export interface Props {
  class?: string;
  title?: string;
  href?: string;
  type?: string;
  value?: string;
  placeholder?: string;
  name?: string;
  disabled?: boolean;
  selected?: boolean;
  autocomplete?: string;
  testid?: string;
  attrs?: Record<string, string>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    if (props.class) el.className = props.class;
    if (props.title) el.title = props.title;
    if (props.testid) el.dataset.testid = props.testid;
    for (const name of ['href', 'type', 'value', 'placeholder', 'name', 'autocomplete'] as const) {
      const value = props[name];
      if (value !== undefined) el.setAttribute(name, value);
    }
    if (props.value !== undefined && 'value' in el) (el as HTMLInputElement).value = props.value;
    if (props.disabled) el.setAttribute('disabled', '');
    if (props.selected) el.setAttribute('selected', '');
    for (const [name, value] of Object.entries(props.attrs ?? {})) el.setAttribute(name, value);
    for (const [event, handler] of Object.entries(props.on ?? {})) {
      el.addEventListener(event, handler as EventListener);
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}
