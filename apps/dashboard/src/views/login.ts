import { h } from '../dom';
import { authHeaders, classifyKey, KeyRing } from '../lib/keys';
import { addKey, loadKeys } from '../session';
import { View, ViewContext } from '../ui';

/**
 * Asks for a key, checks it with one call that takes either kind
 * (GET /v1/agents), and keeps it in sessionStorage. A key starting `sy_` is an
 * API key (Authorization: Bearer); anything else is the admin key (x-admin-key).
 */
export function loginView(ctx: ViewContext): View {
  const adding = ctx.query.get('add') === '1';
  const held = loadKeys();
  const input = h('input', {
    type: 'password',
    name: 'key',
    placeholder: 'sy_… or the admin key',
    autocomplete: 'off',
    testid: 'key-input',
  });
  const message = h('div', { class: 'login-message', testid: 'login-message' });
  const kind = h('div', { class: 'muted small', testid: 'key-kind' }, ' ');
  input.addEventListener('input', () => {
    const raw = input.value.trim();
    kind.textContent = raw
      ? classifyKey(raw) === 'api'
        ? 'API key: sent as Authorization: Bearer'
        : 'Admin key: sent as x-admin-key'
      : ' ';
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    const raw = input.value.trim();
    if (!raw) return;
    const ring: KeyRing = { [classifyKey(raw)]: raw };
    message.textContent = 'Checking the key…';
    try {
      const res = await fetch('/v1/agents', { headers: { accept: 'application/json', ...authHeaders(ring) } });
      if (res.status === 401) {
        message.textContent = 'The gateway refused this key.';
        return;
      }
      if (!res.ok && res.status !== 403) {
        message.textContent = `The gateway answered ${res.status}.`;
        return;
      }
    } catch (err) {
      message.textContent = `Could not reach the gateway: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    addKey(raw);
    ctx.navigate(ctx.query.get('next') ?? '#/agents');
  };
  const el = h(
    'section',
    { class: 'login' },
    h(
      'form',
      { class: 'login-card', on: { submit: (e) => void submit(e) } },
      h('div', { class: 'brand big' }, h('span', { class: 'brand-mark' }), 'Switchyard'),
      h('h1', null, adding ? 'Add a key' : 'Operator sign-in'),
      h(
        'p',
        { class: 'muted' },
        'An API key (sy_…) reads what that client or agent may see, and is needed for commands and schedules. ' +
          'The admin key sees every agent, dead letter, trigger and topic. You may hold one of each.',
      ),
      adding && (held.api || held.admin)
        ? h(
            'p',
            { class: 'muted small' },
            `Held now: ${[held.api ? 'an API key' : '', held.admin ? 'the admin key' : ''].filter(Boolean).join(' and ')}.`,
          )
        : null,
      input,
      kind,
      h('button', { class: 'btn primary wide', type: 'submit', testid: 'sign-in' }, adding ? 'Add key' : 'Sign in'),
      message,
      h(
        'p',
        { class: 'muted small' },
        'Keys stay in this tab (sessionStorage) and go only to this gateway, as request headers.',
      ),
      adding ? h('a', { href: '#/agents', class: 'small' }, 'Back') : null,
    ),
  );
  setTimeout(() => input.focus(), 0);
  return { el };
}
