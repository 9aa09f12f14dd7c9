import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { api, inParallel, mintClientKey } from '../support/http';
import { System, testLogDir } from '../support/processes';
import { createTestEnv, TEST_ADMIN_KEY, TestEnv } from '../support/test-env';
import { waitFor, waitForAgentsOnline } from '../support/wait';

/** Screenshots of every main view land here (git-ignored; CI keeps them as artifacts). */
const SCREENSHOTS = path.join(process.cwd(), 'reports', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The operator dashboard at /ui in headless Chromium against real processes
 * (gateway, dispatcher, orchestrator, two demo agents): sign in with a key,
 * watch an agent go busy and idle over the status stream, read commands and a
 * command's timeline while it runs, replay and resolve dead letters, and take
 * a screenshot of each view.
 */
describe('dashboard, in a browser, end to end', () => {
  let t: TestEnv;
  let system: System;
  let browser: Browser;
  let page: Page;
  let key: string;
  let gw: string;

  const submit = async (body: Record<string, unknown>): Promise<string> => {
    const res = await api<{ id: string }>(gw, 'POST', '/v1/commands', { key, body });
    expect(res.status).toBe(202);
    return res.body.id;
  };
  const commandState = async (id: string) =>
    (await api<{ state: string }>(gw, 'GET', `/v1/commands/${id}`, { key })).body.state;
  const shoot = (name: string, fullPage = true) =>
    page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage });
  const open = async (hash: string) => {
    await page.goto(`${gw}/ui/${hash}`);
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    t = await createTestEnv({ ORCHESTRATOR_TICK_INTERVAL: '200' });
    system = await System.start(t.env, testLogDir(t.namespace), {
      gateways: 1,
      dispatchers: 1,
      orchestrators: 1,
      agents: { count: 2, concurrency: 2 },
    });
    gw = system.gatewayUrl;
    await waitForAgentsOnline(t.pool, 2);
    key = await mintClientKey(gw, 'dashboard-e2e');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    await t?.teardown();
  });

  it('serves the shell without a key, with its security headers; data calls still need one', async () => {
    const shell = await fetch(`${gw}/ui/`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toMatch(/^text\/html/);
    expect(shell.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(shell.headers.get('cache-control')).toBe('no-cache');
    expect(await shell.text()).toContain('<div id="app">');
    const redirect = await fetch(`${gw}/ui`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/ui/');
    expect((await fetch(`${gw}/v1/agents`)).status).toBe(401);
  });

  it('refuses a wrong key and signs in with a client key', async () => {
    await open('');
    await page
      .getByTestId('key-input')
      .fill('sy_0123456789abcdef0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    await expect(page.getByTestId('key-kind').textContent()).resolves.toContain('Authorization: Bearer');
    await page.getByTestId('sign-in').click();
    await page.getByTestId('login-message').filter({ hasText: 'refused' }).waitFor();
    await shoot('login');

    await page.getByTestId('key-input').fill(key);
    await page.getByTestId('sign-in').click();
    await page.locator('[data-testid=agents-table] tr[data-id]').nth(1).waitFor();
    expect(await page.locator('[data-testid=agents-table] tr[data-id]').count()).toBe(2);
    // The key stays in this tab's session storage, never in the URL.
    expect(page.url()).not.toContain(key);
    expect(await page.evaluate(() => sessionStorage.getItem('switchyard.keys'))).toContain(key);
  });

  it('shows an agent going busy with a command and back to idle, live from the status stream', async () => {
    await open('#/agents');
    const row = page.locator('[data-testid=agents-table] tr[data-id="demo-1"]');
    await row.getByTestId('agent-phase').filter({ hasText: 'idle' }).waitFor();
    await page.getByTestId('live-badge').filter({ hasText: 'live' }).waitFor();

    const id = await submit({ target: { agent: 'demo-1' }, type: 'sleep', payload: { ms: 4_000 } });
    // The list is re-read only every 15 s; within 4 s only the stream can have told the page.
    await row.getByTestId('agent-phase').filter({ hasText: 'busy' }).waitFor({ timeout: 4_000 });
    await row.locator(`[data-testid=agent-command] a[title="${id}"]`).waitFor({ timeout: 4_000 });
    await shoot('agents');
    await row.getByTestId('agent-phase').filter({ hasText: 'idle' }).waitFor({ timeout: 15_000 });
    expect(await row.getByTestId('agent-command').textContent()).toBe('—');
    expect(await commandState(id)).toBe('succeeded');
  });

  it('follows a running command on its page, then shows attempts, timeline, payload and result', async () => {
    const id = await submit({
      target: { agent: 'demo-2' },
      type: 'fail',
      payload: { times: 1, retryable: true },
      backoff: { kind: 'constant', baseMs: 2_500, maxMs: 2_500, jitter: false },
    });
    await open(`#/commands/${id}`);
    expect(await page.getByTestId('command-id').textContent()).toBe(id);
    // The first attempt fails; the page follows the command's events until it succeeds on the second.
    await page.getByTestId('command-state').filter({ hasText: 'succeeded' }).waitFor({ timeout: 20_000 });
    const attempts = page.locator('[data-testid=attempts-table] tbody tr');
    expect(await attempts.count()).toBe(2);
    expect(await attempts.nth(0).textContent()).toContain('fail');
    expect(await attempts.nth(1).textContent()).toContain('succeed');
    const timeline = await page.getByTestId('timeline').textContent();
    // The `fail` handler ends at once, so each outcome stands for its attempt's acceptance (no `accept` event).
    for (const event of ['submit', 'claim', 'fail', 'succeed']) expect(timeline).toContain(event);
    expect(JSON.parse((await page.getByTestId('command-payload').textContent()) ?? '')).toEqual({
      times: 1,
      retryable: true,
    });
    expect(JSON.parse((await page.getByTestId('command-result').textContent()) ?? '')).toEqual({ attempts: 2 });
    await page.getByTestId('live-badge').filter({ hasText: 'finished' }).waitFor();
    await shoot('command');
  });

  it('lists commands newest first, filters by type and state, and pages with the cursor', async () => {
    await inParallel(
      Array.from({ length: 60 }, (_, i) => i),
      8,
      (i) => submit({ target: { pool: 'demo' }, type: 'echo', payload: { i } }),
    );
    await open('#/commands');
    await page.locator('[data-testid=commands-table] tbody tr').nth(49).waitFor();
    expect(await page.locator('[data-testid=commands-table] tbody tr').count()).toBe(50);
    await shoot('commands', false);
    await page.getByTestId('load-more').click();
    await page.locator('[data-testid=commands-table] tbody tr').nth(50).waitFor();
    expect(await page.locator('[data-testid=commands-table] tbody tr').count()).toBe(62);

    await page.getByTestId('filter-type').fill('sleep');
    await page.getByTestId('filter-type').press('Enter');
    await waitFor(
      'the sleep filter',
      async () => (await page.locator('[data-testid=commands-table] tbody tr').count()) === 1,
    );
    expect(page.url()).toContain('type=sleep');
    await page.getByTestId('filter-state').selectOption('failed');
    await page.getByTestId('filter-type').press('Enter');
    await page.getByText('No commands match.').waitFor();
  });

  it('replays a dead letter and shows the new command, then resolves one', async () => {
    const failed = await submit({
      target: { pool: 'demo' },
      type: 'fail',
      payload: { times: 5, retryable: false },
      maxAttempts: 1,
    });
    const deadLetter = await waitFor('the dead letter', async () => {
      const res = await api<{ items: { id: string; commandId: string }[] }>(gw, 'GET', '/v1/dead-letters', { key });
      return res.body.items.find((d) => d.commandId === failed);
    });
    await open('#/dead-letters');
    const row = page.locator(`[data-testid=dead-letters-table] tr[data-id="${deadLetter.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('open');
    await shoot('dead-letters');

    await row.getByTestId('replay').click();
    await page.getByTestId('toast').filter({ hasText: 'Replayed as' }).waitFor();
    const link = row.locator('[data-testid=replayed-as] a');
    await link.waitFor();
    const replayId = (await link.getAttribute('title')) ?? '';
    expect(replayId).toMatch(UUID);
    expect(replayId).not.toBe(failed);
    const stored = await api<{ replayCommandId: string }>(gw, 'GET', `/v1/dead-letters/${deadLetter.id}`, { key });
    expect(stored.body.replayCommandId).toBe(replayId);

    await link.click();
    await page.waitForURL(`**/ui/#/commands/${replayId}`);
    expect(await page.getByTestId('command-id').textContent()).toBe(replayId);
    await page.locator(`.field-value a[title="${failed}"]`).waitFor(); // its parent is the dead command

    // The replay fails the same way; resolve its dead letter with a note.
    const second = await waitFor('the replay to dead-letter', async () => {
      const res = await api<{ items: { id: string; commandId: string }[] }>(gw, 'GET', '/v1/dead-letters', { key });
      return res.body.items.find((d) => d.commandId === replayId);
    });
    await open('#/dead-letters');
    const secondRow = page.locator(`[data-testid=dead-letters-table] tr[data-id="${second.id}"]`);
    await secondRow.getByTestId('resolve').click();
    await secondRow.getByTestId('resolve-note').fill('replayed once, failing by design');
    await secondRow.getByTestId('resolve-save').click();
    await secondRow.waitFor({ state: 'detached' });
    const resolved = await api<{ resolutionNote: string }>(gw, 'GET', `/v1/dead-letters/${second.id}`, { key });
    expect(resolved.body.resolutionNote).toBe('replayed once, failing by design');
  });

  it('lists schedules, triggers and topics', async () => {
    const schedule = await api(gw, 'POST', '/v1/schedules', {
      key,
      body: {
        name: 'nightly report',
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        command: { target: { pool: 'demo' }, type: 'echo', payload: { report: 'nightly' } },
      },
    });
    expect(schedule.status).toBe(201);
    const trigger = await api(gw, 'POST', '/v1/triggers', {
      key,
      body: {
        subjectPattern: 'orders.*',
        target: { pool: 'demo' },
        type: 'echo',
        payloadTemplate: { orderId: '{{ data.id }}' },
      },
    });
    expect(trigger.status).toBe(201);
    const handler = await api(gw, 'POST', '/v1/triggers', {
      key,
      body: { subjectPattern: 'deadletter.>', target: { pool: 'demo' }, type: 'echo' },
    });
    expect(handler.status).toBe(201);
    const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    const topic = await api<{ id: string }>(gw, 'POST', '/v1/topics', {
      key,
      body: {
        title: 'Tabs or spaces',
        summary: 'Which indentation should the style guide require?',
        visibility: 'public',
        signupOpenAt: at(1),
        signupCloseAt: at(10),
        debateStartAt: at(20),
        debateEndAt: at(60),
      },
    });
    expect(topic.status).toBe(201);

    await open('#/schedules');
    await page.locator('[data-testid=schedules-table] tbody tr').filter({ hasText: 'nightly report' }).waitFor();
    await shoot('schedules');
    await open('#/triggers');
    await page.locator('[data-testid=triggers-table] tbody tr').nth(1).waitFor();
    expect(await page.locator('[data-testid=triggers-table]').textContent()).toContain('dead-letter handler');
    await shoot('triggers');
    await open('#/topics');
    await page.locator(`[data-testid=topics-table] tr[data-id="${topic.body.id}"]`).waitFor();
    await shoot('topics');
    await page.getByText('Tabs or spaces').click();
    await page.getByText('No verdict yet.').waitFor();
  });

  it('charts throughput and latency from the gateway metrics, sampled by the page', async () => {
    await open('#/charts');
    const load = inParallel(
      Array.from({ length: 120 }, (_, i) => i),
      4,
      async (i) => {
        await submit({ target: { pool: 'demo' }, type: 'echo', payload: { i } });
        await new Promise((resolve) => setTimeout(resolve, 40));
      },
    );
    await load;
    // Three samples, 2 s apart, after the burst: the rate and latency series have points.
    await page.locator('[data-testid=chart-stats]').filter({ hasText: 'commands/s' }).waitFor();
    await waitFor(
      'a non-zero throughput point',
      () =>
        page.evaluate(() =>
          [...document.querySelectorAll('[data-testid=chart-stats] .stat-value')].some(
            (el) => Number.parseFloat(el.textContent ?? '') > 0,
          ),
        ),
      { timeoutMs: 10_000 },
    );
    expect(await page.locator('[data-testid=chart-throughput] canvas').count()).toBe(1);
    expect(await page.locator('[data-testid=chart-latency] canvas').count()).toBe(1);
    await shoot('charts');
  });

  it('with the admin key alone: every agent, and a clear word on the routes that need an API key', async () => {
    await page.evaluate(() => sessionStorage.clear());
    await open('#/agents');
    await page.getByTestId('key-input').fill(TEST_ADMIN_KEY);
    await expect(page.getByTestId('key-kind').textContent()).resolves.toContain('x-admin-key');
    await page.getByTestId('sign-in').click();
    await page.locator('[data-testid=agents-table] tr[data-id]').nth(1).waitFor();
    await open('#/commands');
    await page.getByTestId('error').filter({ hasText: 'API key' }).waitFor();
    await open('#/dead-letters?resolved=all');
    await page.locator('[data-testid=dead-letters-table] tbody tr').nth(1).waitFor();
  });
});
