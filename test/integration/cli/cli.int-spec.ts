import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mintClientKey } from '../../support/http';
import { freePort, System, testLogDir } from '../../support/processes';
import { createTestEnv, TEST_ADMIN_KEY, TestEnv } from '../../support/test-env';
import { waitFor, waitForAgentsOnline } from '../../support/wait';
import { finished, linesFrom, runCli, startCli, type CliResult } from './run-cli';

/** Exit codes as docs/cli.md documents them; written out here so a change to the table fails this test. */
const CODE = {
  ok: 0,
  commandFailed: 2,
  syncTimeout: 3,
  commandEnded: 4,
  conflict: 6,
  usage: 64,
  invalid: 65,
  notFound: 66,
  unavailable: 69,
  auth: 77,
  config: 78,
} as const;

const UNKNOWN_ID = '01970a3e-5c1b-7d2e-9f40-2b6c8d9e0a11';

/**
 * The built `switchyard` binary against real processes: a gateway, a
 * dispatcher and two demo agents (pool `demo`) on this file's database and
 * namespace. Every case runs the CLI as a child process with pipes (no
 * terminal), reads its exit code and, with --json, parses its output.
 */
describe('switchyard CLI (built binary, real gateway, dispatcher and agents)', () => {
  let t: TestEnv;
  let system: System;
  let apiKey: string;
  let home: string;
  /** Environment of a CLI run: the gateway and a client key, no config file. */
  let env: Record<string, string>;

  const cli = (args: string[], extra: { env?: Record<string, string>; stdin?: string } = {}) =>
    runCli(args, { env: { ...env, ...extra.env }, stdin: extra.stdin });
  const json = (res: CliResult): any => {
    if (res.code !== 0 && res.stdout === '') throw new Error(`exit ${res.code}: ${res.stderr}`);
    return JSON.parse(res.stdout);
  };
  const admin = { SWITCHYARD_ADMIN_KEY: TEST_ADMIN_KEY };

  async function finalState(id: string): Promise<string> {
    return waitFor(`command ${id} to finish`, async () => {
      const { state } = json(await cli(['get', id, '--json']));
      return ['succeeded', 'failed', 'cancelled', 'expired', 'stuck'].includes(state) ? (state as string) : undefined;
    });
  }

  beforeAll(async () => {
    t = await createTestEnv();
    system = await System.start(t.env, testLogDir(t.namespace), {
      gateways: 1,
      dispatchers: 1,
      orchestrators: 0,
      agents: { count: 2, concurrency: 2 },
    });
    await waitForAgentsOnline(t.pool, 2);
    apiKey = await mintClientKey(system.gatewayUrl, 'cli');
    home = mkdtempSync(path.join(tmpdir(), 'sy-cli-home-'));
    env = { HOME: home, SWITCHYARD_URL: system.gatewayUrl, SWITCHYARD_API_KEY: apiKey };
  });

  afterAll(async () => {
    await system?.stop();
    await t?.teardown();
  });

  describe('usage', () => {
    it.each([
      [['--help']],
      [['submit', '--help']],
      [['get', '--help']],
      [['ls', '--help']],
      [['cancel', '--help']],
      [['tail', '--help']],
      [['dlq', 'ls', '--help']],
      [['dlq', 'replay', '--help']],
      [['dlq', 'resolve', '--help']],
      [['agents', 'ls', '--help']],
      [['agents', 'mint-key', '--help']],
      [['agents', 'revoke', '--help']],
      [['schedules', 'create', '--help']],
      [['triggers', 'create', '--help']],
      [['migrate', '--help']],
    ])('%j prints help and exits 0', async (args) => {
      const res = await cli(args);
      expect(res.code).toBe(CODE.ok);
      expect(res.stdout).toMatch(/^Usage: switchyard/);
    });

    it.each([
      { args: ['frobnicate'], why: 'an unknown subcommand' },
      { args: ['submit', 'echo'], why: 'no target' },
      { args: ['submit', 'echo', '--agent', 'a', '--pool', 'p'], why: 'two targets' },
      { args: ['submit', 'echo', '--pool', 'demo', '--timeout', '5s'], why: '--timeout without --sync' },
      { args: ['ls', '--state', 'done'], why: 'an unknown state' },
      { args: ['ls', '--bogus'], why: 'an unknown option' },
      { args: ['get'], why: 'a missing argument' },
      { args: ['get', 'not-a-uuid'], why: 'a malformed id' },
      { args: ['tail'], why: 'tail with nothing to follow' },
      { args: ['dlq', 'resolve', UNKNOWN_ID], why: 'resolve without --note' },
    ])('$why: exit 64', async ({ args }) => {
      const res = await cli(args);
      expect(res.code).toBe(CODE.usage);
      expect(res.stderr).not.toBe('');
    });
  });

  describe('config and credentials', () => {
    it('a missing API key is named, with where to set it: exit 78', async () => {
      const res = await cli(['ls'], { env: { SWITCHYARD_API_KEY: '' } });
      expect(res.code).toBe(CODE.config);
      expect(res.stderr).toContain('SWITCHYARD_API_KEY');
    });

    it('a missing admin key: exit 78', async () => {
      const res = await cli(['agents', 'mint-key', 'nobody']);
      expect(res.code).toBe(CODE.config);
      expect(res.stderr).toContain('SWITCHYARD_ADMIN_KEY');
    });

    it('a wrong key: exit 77', async () => {
      expect((await cli(['ls'], { env: { SWITCHYARD_API_KEY: 'wrong' } })).code).toBe(CODE.auth);
      expect((await cli(['agents', 'revoke', UNKNOWN_ID], { env: { SWITCHYARD_ADMIN_KEY: 'wrong' } })).code).toBe(
        CODE.auth,
      );
    });

    it('a gateway that does not answer: exit 69', async () => {
      const res = await cli(['ls', '--url', `http://127.0.0.1:${await freePort()}`]);
      expect(res.code).toBe(CODE.unavailable);
      expect(res.stderr).toContain('cannot reach the gateway');
    });

    it('a flag wins over the environment, which wins over the config file', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'sy-cli-config-'));
      const file = path.join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ url: system.gatewayUrl, apiKey }));
      const bare = { SWITCHYARD_URL: '', SWITCHYARD_API_KEY: '' };

      // The file alone is enough.
      expect((await cli(['ls', '--config', file], { env: bare })).code).toBe(CODE.ok);
      // The environment's (wrong) key beats the file's.
      expect((await cli(['ls', '--config', file], { env: { ...bare, SWITCHYARD_API_KEY: 'wrong' } })).code).toBe(
        CODE.auth,
      );
      // A flag beats the environment.
      const flagged = await cli(['ls', '--config', file, '--api-key', apiKey], {
        env: { ...bare, SWITCHYARD_API_KEY: 'wrong' },
      });
      expect(flagged.code).toBe(CODE.ok);
      // The URL the same way: the environment's unreachable URL beats the file's, a flag beats both.
      const dead = `http://127.0.0.1:${await freePort()}`;
      expect((await cli(['ls', '--config', file], { env: { ...bare, SWITCHYARD_URL: dead } })).code).toBe(
        CODE.unavailable,
      );
      expect(
        (await cli(['ls', '--config', file, '--url', system.gatewayUrl], { env: { ...bare, SWITCHYARD_URL: dead } }))
          .code,
      ).toBe(CODE.ok);
      // The default location, under XDG_CONFIG_HOME.
      const xdg = mkdtempSync(path.join(tmpdir(), 'sy-cli-xdg-'));
      mkdirSync(path.join(xdg, 'switchyard'));
      writeFileSync(path.join(xdg, 'switchyard', 'config.json'), JSON.stringify({ url: system.gatewayUrl, apiKey }));
      expect((await cli(['ls'], { env: { ...bare, XDG_CONFIG_HOME: xdg } })).code).toBe(CODE.ok);
      // A named file that is missing or invalid is a config error.
      expect((await cli(['ls', '--config', path.join(dir, 'missing.json')])).code).toBe(CODE.config);
      writeFileSync(path.join(dir, 'bad.json'), '{"apikey": "typo"}');
      expect((await cli(['ls', '--config', path.join(dir, 'bad.json')])).code).toBe(CODE.config);
    });
  });

  describe('commands', () => {
    it('submit (async), get and ls; payload inline, from a file and from stdin', async () => {
      const inline = json(await cli(['submit', 'echo', '{"from":"inline"}', '--pool', 'demo', '--json']));
      expect(inline).toMatchObject({ id: expect.any(String), replayed: false });
      const file = path.join(home, 'payload.json');
      writeFileSync(file, '{"from":"file"}');
      const fromFile = json(await cli(['submit', 'echo', `@${file}`, '--agent', 'demo-1', '--json']));
      const fromStdin = json(
        await cli(['submit', 'echo', '-', '--pool', 'demo', '--json'], { stdin: '{"from":"stdin"}' }),
      );

      for (const [id, from] of [
        [inline.id, 'inline'],
        [fromFile.id, 'file'],
        [fromStdin.id, 'stdin'],
      ]) {
        expect(await finalState(id)).toBe('succeeded');
        const got = json(await cli(['get', id, '--json']));
        expect(got).toMatchObject({ id, state: 'succeeded', payload: { from }, result: { from } });
        expect(got.events.map((e: { event: string }) => e.event)).toContain('succeed');
      }
      expect(json(await cli(['get', fromFile.id, '--json'])).target).toEqual({ agent: 'demo-1' });

      const listed = json(await cli(['ls', '--type', 'echo', '--json']));
      expect(listed.items.map((i: { id: string }) => i.id)).toEqual(
        expect.arrayContaining([inline.id, fromFile.id, fromStdin.id]),
      );
      const human = await cli(['get', inline.id]);
      expect(human.code).toBe(CODE.ok);
      expect(human.stdout).toMatch(/state\s+succeeded/);
      expect(human.stdout).not.toContain('\x1b['); // no colour without a terminal
    });

    it('a payload that is not JSON, or a file that is missing: 65 and 66', async () => {
      expect((await cli(['submit', 'echo', '{nope', '--pool', 'demo'])).code).toBe(CODE.invalid);
      expect((await cli(['submit', 'echo', '@/nonexistent/p.json', '--pool', 'demo'])).code).toBe(CODE.notFound);
    });

    it('a request the gateway refuses as invalid: exit 65 with the field details', async () => {
      const res = await cli(['submit', 'bad type!', '--pool', 'demo', '--json']);
      expect(res.code).toBe(CODE.invalid);
      expect(json(res)).toMatchObject({ status: 400, errors: [expect.objectContaining({ field: 'type' })] });
    });

    it('the same idempotency key returns the first command, marked as a replay', async () => {
      const args = ['submit', 'echo', '{"n":1}', '--pool', 'demo', '--idempotency-key', 'cli-idem-1', '--json'];
      const first = json(await cli(args));
      const second = json(await cli(args));
      expect(second).toMatchObject({ id: first.id, replayed: true });
    });

    it('ls pages with --limit and --cursor, and --all follows every page', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1)
        ids.push(json(await cli(['submit', 'page-test', `{"i":${i}}`, '--pool', 'nobody-serves-this', '--json'])).id);
      const first = json(await cli(['ls', '--type', 'page-test', '--limit', '2', '--json']));
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = json(
        await cli(['ls', '--type', 'page-test', '--limit', '2', '--cursor', first.nextCursor, '--json']),
      );
      expect(second.items).toHaveLength(2);
      const all = json(await cli(['ls', '--type', 'page-test', '--limit', '2', '--all', '--json']));
      expect(all.nextCursor).toBeNull();
      expect(all.items.map((i: { id: string }) => i.id)).toEqual([...ids].reverse());
      const human = await cli(['ls', '--type', 'page-test', '--limit', '2']);
      expect(human.stdout.split('\n')[0]).toMatch(/^ID\s+STATE\s+TARGET/);
      expect(human.stderr).toContain(`--cursor ${first.nextCursor}`);
      // Queued for a pool nobody serves; cancel them so they do not linger.
      for (const id of ids) expect((await cli(['cancel', id])).code).toBe(CODE.ok);
    });

    it('sync: 0 with the result, 2 when the command failed, 3 on timeout; cancel of a finished command is 6', async () => {
      const ok = await cli([
        'submit',
        'echo',
        '{"sync":true}',
        '--pool',
        'demo',
        '--sync',
        '--timeout',
        '20s',
        '--json',
      ]);
      expect(ok.code).toBe(CODE.ok);
      expect(json(ok)).toMatchObject({ state: 'succeeded', result: { sync: true } });

      const failed = await cli(['submit', 'fail', '{"times":1}', '--pool', 'demo', '--sync', '--json']);
      expect(failed.code).toBe(CODE.commandFailed);
      expect(json(failed)).toMatchObject({ status: 422, state: 'failed' });

      const slow = await cli([
        'submit',
        'sleep',
        '{"ms":30000}',
        '--pool',
        'demo',
        '--sync',
        '--timeout',
        '1s',
        '--json',
      ]);
      expect(slow.code).toBe(CODE.syncTimeout);
      const { id } = json(slow);
      expect(id).toEqual(expect.any(String));
      // It keeps running: cancel it (a second cancel is a no-op; a tail of it exits 4).
      expect((await cli(['cancel', id, '--reason', 'test'])).code).toBe(CODE.ok);
      expect((await cli(['cancel', id])).code).toBe(CODE.ok);
      expect((await cli(['tail', id])).code).toBe(CODE.commandEnded);

      // Cancelling a command that already finished otherwise is a conflict.
      const finishedOk = await cli(['cancel', json(ok).id, '--json']);
      expect(finishedOk.code).toBe(CODE.conflict);
      expect(json(finishedOk)).toMatchObject({ status: 409, state: 'succeeded' });
    });

    it('get and cancel of an unknown command: exit 66', async () => {
      expect((await cli(['get', UNKNOWN_ID])).code).toBe(CODE.notFound);
      expect((await cli(['cancel', UNKNOWN_ID])).code).toBe(CODE.notFound);
      expect((await cli(['tail', UNKNOWN_ID])).code).toBe(CODE.notFound);
    });
  });

  describe('tail', () => {
    it("follows a command's events until its final one, and exits as the command ended", async () => {
      const { id } = json(await cli(['submit', 'sleep', '{"ms":1500}', '--pool', 'demo', '--json']));
      const res = await runCli(['tail', id, '--json'], { env, timeoutMs: 30_000 });
      expect(res.code).toBe(CODE.ok);
      const events = res.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(events[0]).toMatchObject({ event: 'submit', data: { commandId: id } });
      expect(events[events.length - 1]).toMatchObject({ event: 'succeed', data: { state: 'succeeded' } });
      const ids = events.map((e: { id: string }) => Number(e.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));

      // Resuming after the first event replays the rest, and nothing before it.
      const resumed = await runCli(['tail', id, '--since', events[0].id, '--json'], { env });
      expect(resumed.code).toBe(CODE.ok);
      expect(resumed.stdout.trim().split('\n')).toHaveLength(events.length - 1);

      // A failed command's tail ends with exit 2.
      const failed = json(await cli(['submit', 'fail', '{"times":5,"retryable":false}', '--pool', 'demo', '--json']));
      expect((await runCli(['tail', failed.id], { env })).code).toBe(CODE.commandFailed);
    });

    it("follows an agent's statuses (and every agent's) until Ctrl-C, then exits 0", async () => {
      for (const args of [
        ['tail', '--agent', 'demo-1', '--json'],
        ['tail', '--all-agents', '--json', '--admin-key', TEST_ADMIN_KEY],
      ]) {
        const child = startCli(args, { env });
        const [line] = await linesFrom(child, 1);
        expect(JSON.parse(line)).toMatchObject({ event: 'status', data: { agentId: expect.stringMatching(/^demo-/) } });
        const done = finished(child);
        child.kill('SIGINT');
        expect((await done).code).toBe(CODE.ok);
      }
    });
  });

  describe('dead letters', () => {
    it('ls, replay (twice is a conflict unless forced), resolve', async () => {
      const { id } = json(
        await cli([
          'submit',
          'fail',
          '{"times":9,"retryable":false}',
          '--pool',
          'demo',
          '--max-attempts',
          '1',
          '--json',
        ]),
      );
      expect(await finalState(id)).toBe('failed');
      const letter = await waitFor('the dead letter', async () => {
        const page = json(await cli(['dlq', 'ls', '--unresolved', '--json']));
        return page.items.find((d: { commandId: string }) => d.commandId === id) as { id: string } | undefined;
      });
      // The admin key sees it too.
      const asAdmin = json(await cli(['dlq', 'ls', '--json'], { env: admin }));
      expect(asAdmin.items.map((d: { id: string }) => d.id)).toContain(letter.id);

      const replay = await cli(['dlq', 'replay', letter.id, '--json']);
      expect(replay.code).toBe(CODE.ok);
      const replayed = json(replay).command.id as string;
      expect(replayed).not.toBe(id);
      expect(json(await cli(['get', replayed, '--json'])).type).toBe('fail');

      expect((await cli(['dlq', 'replay', letter.id])).code).toBe(CODE.conflict);
      expect((await cli(['dlq', 'replay', letter.id, '--force'])).code).toBe(CODE.ok);

      expect((await cli(['dlq', 'resolve', letter.id, '--note', 'handled by the test'])).code).toBe(CODE.ok);
      expect((await cli(['dlq', 'resolve', letter.id, '--note', 'again'])).code).toBe(CODE.conflict);
      expect((await cli(['dlq', 'replay', UNKNOWN_ID])).code).toBe(CODE.notFound);
    });
  });

  describe('agents and keys', () => {
    it('ls shows the fleet; mint-key registers (409 again without --force), rotates, revokes', async () => {
      const fleet = json(await cli(['agents', 'ls', '--pool', 'demo', '--json']));
      expect(fleet.items.map((a: { id: string }) => a.id)).toEqual(['demo-1', 'demo-2']);
      const human = await cli(['agents', 'ls'], { env: admin });
      expect(human.stdout).toMatch(/^ID\s+PHASE/);

      const minted = json(await cli(['agents', 'mint-key', 'cli-agent', '--pool', 'cli', '--json'], { env: admin }));
      expect(minted).toMatchObject({ apiKey: expect.any(String), keyId: expect.any(String) });
      const asAgent = { SWITCHYARD_API_KEY: minted.apiKey };
      expect(
        json(await cli(['agents', 'ls', '--json'], { env: asAgent })).items.map((a: { id: string }) => a.id),
      ).toEqual(['cli-agent']);

      expect((await cli(['agents', 'mint-key', 'cli-agent'], { env: admin })).code).toBe(CODE.conflict);
      const rotated = json(await cli(['agents', 'mint-key', 'cli-agent', '--force', '--json'], { env: admin }));
      expect(rotated.apiKey).not.toBe(minted.apiKey);
      expect((await cli(['agents', 'ls'], { env: asAgent })).code).toBe(CODE.auth);

      expect((await cli(['agents', 'revoke', rotated.keyId], { env: admin })).code).toBe(CODE.ok);
      expect((await cli(['agents', 'ls'], { env: { SWITCHYARD_API_KEY: rotated.apiKey } })).code).toBe(CODE.auth);
      expect((await cli(['agents', 'revoke', UNKNOWN_ID], { env: admin })).code).toBe(CODE.notFound);
    });
  });

  describe('schedules and triggers', () => {
    it('schedules create, ls, rm (a second rm is not found)', async () => {
      const created = json(
        await cli([
          'schedules',
          'create',
          '--name',
          'cli-nightly',
          '--cron',
          '0 3 * * *',
          '--tz',
          'Europe/Berlin',
          '--pool',
          'demo',
          '--type',
          'echo',
          '--payload',
          '{"job":"nightly"}',
          '--json',
        ]),
      );
      expect(created).toMatchObject({ name: 'cli-nightly', timezone: 'Europe/Berlin', nextFireAt: expect.any(String) });
      const listed = json(await cli(['schedules', 'ls', '--json']));
      expect(listed.items.map((s: { id: string }) => s.id)).toContain(created.id);
      expect(
        (
          await cli([
            'schedules',
            'create',
            '--name',
            'x',
            '--cron',
            'nope',
            '--tz',
            'UTC',
            '--pool',
            'demo',
            '--type',
            'echo',
          ])
        ).code,
      ).toBe(CODE.invalid);
      expect((await cli(['schedules', 'rm', created.id])).code).toBe(CODE.ok);
      expect((await cli(['schedules', 'rm', created.id])).code).toBe(CODE.notFound);
    });

    it('triggers create, ls, rm', async () => {
      const created = json(
        await cli([
          'triggers',
          'create',
          '--pattern',
          'orders.created',
          '--pool',
          'demo',
          '--type',
          'echo',
          '--template',
          '{"order":"{{ data.id }}"}',
          '--max-attempts',
          '2',
          '--json',
        ]),
      );
      expect(created).toMatchObject({ subjectPattern: 'orders.created', retry: { maxAttempts: 2 } });
      expect(json(await cli(['triggers', 'ls', '--json'])).items.map((x: { id: string }) => x.id)).toContain(
        created.id,
      );
      expect(
        json(await cli(['triggers', 'ls', '--json'], { env: admin })).items.map((x: { id: string }) => x.id),
      ).toContain(created.id);
      expect((await cli(['triggers', 'rm', created.id])).code).toBe(CODE.ok);
      expect((await cli(['triggers', 'rm', created.id])).code).toBe(CODE.notFound);
    });
  });
});
