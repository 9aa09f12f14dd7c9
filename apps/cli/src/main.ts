#!/usr/bin/env node
import os from 'node:os';
import { EXIT } from './exit-codes';
import { runCli } from './program';

/**
 * `switchyard`: the operator CLI. Talks to the gateway's HTTP API (submit,
 * get, ls, cancel, tail, dlq, agents, schedules, triggers) and runs the
 * database migrations (migrate, migrate:revert). See docs/cli.md.
 */
const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  home: os.homedir(),
  signal: interrupt.signal,
  now: () => new Date(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`switchyard: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = EXIT.unexpected;
  },
);
