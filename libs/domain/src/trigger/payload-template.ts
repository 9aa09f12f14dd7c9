/**
 * Payload templates: any JSON value in which strings may refer to the event.
 *
 * - A string that is exactly one placeholder, `"{{ data.order.id }}"`, becomes
 *   the value found there, whatever its JSON type (a missing one: null).
 * - A placeholder inside a longer string is interpolated: strings as they
 *   are, other values as JSON, a missing one as the empty string.
 * - Object keys are never templated; arrays and objects are walked.
 *
 * A path starts at one of the roots of `TemplateContext` and goes on with
 * object keys or array indexes separated by dots.
 */

export interface TemplateContext {
  /** The event's id (its Nats-Msg-Id, or its place in the stream). */
  id: string;
  /** The event subject, relative to `<ns>.events.`. */
  subject: string;
  /** The event body. */
  data: unknown;
  /** The command whose handler published the event, if any. */
  causeCommandId: string | null;
}

export const TEMPLATE_ROOTS: readonly (keyof TemplateContext)[] = ['id', 'subject', 'data', 'causeCommandId'];

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/;

/** Why a template is invalid (the first bad placeholder), or undefined when it is fine. */
export function templateProblem(template: unknown): string | undefined {
  for (const text of strings(template)) {
    for (const match of text.matchAll(PLACEHOLDER)) {
      const path = match[1];
      if (!PATH.test(path)) return `placeholder "${match[0]}" is not a dotted path`;
      const root = path.split('.')[0];
      if (!(TEMPLATE_ROOTS as readonly string[]).includes(root)) {
        return `placeholder "${match[0]}" must start with one of ${TEMPLATE_ROOTS.join(', ')}`;
      }
    }
  }
  return undefined;
}

/** The payload for one event: the template with every placeholder filled in. */
export function renderTemplate(template: unknown, context: TemplateContext): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return lookup(context, whole[1]) ?? null;
    return template.replace(PLACEHOLDER, (_, path: string) => {
      const value = lookup(context, path);
      if (value === undefined || value === null) return '';
      return typeof value === 'string' ? value : JSON.stringify(value);
    });
  }
  if (Array.isArray(template)) return template.map((item) => renderTemplate(item, context));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, renderTemplate(v, context)]));
  }
  return template;
}

function lookup(context: TemplateContext, path: string): unknown {
  let value: unknown = context;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* strings(item);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) yield* strings(item);
}
