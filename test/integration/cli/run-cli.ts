import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/** The built operator CLI (`npm run build`), as the package.json `bin` names it. */
export const CLI_ENTRY = path.join(process.cwd(), 'dist/apps/cli/apps/cli/src/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** The whole environment of the child (nothing is inherited but PATH). */
  env: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
}

/** Runs `node dist/…/main.js <args>` to its end; stdout and stderr are pipes, so the CLI sees no terminal. */
export function runCli(args: string[], options: CliRunOptions): Promise<CliResult> {
  const child = startCli(args, options);
  return finished(child, options.timeoutMs ?? 30_000);
}

/** Starts the CLI and leaves it running (for `tail`); read `child.stdout`, end it with a signal. */
export function startCli(args: string[], options: CliRunOptions): ChildProcess {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(options.stdin ?? '');
  return child;
}

export function finished(child: ChildProcess, timeoutMs = 30_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not end within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resolves once the child's stdout holds `count` lines. */
export function linesFrom(child: ChildProcess, count: number, timeoutMs = 20_000): Promise<string[]> {
  let text = '';
  return new Promise((resolve, reject) => {
    const lines = () => text.split('\n').filter(Boolean);
    const timer = setTimeout(
      () => reject(new Error(`expected ${count} lines within ${timeoutMs} ms, got: ${text}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (lines().length >= count) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(lines());
      }
    };
    child.stdout?.on('data', onData);
  });
}
