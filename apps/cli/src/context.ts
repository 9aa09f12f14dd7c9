import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { configFilePath, parseConfigFile, resolveSettings, type ConfigFile, type ResolvedSettings } from './cli-config';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import { GatewayClient } from './gateway-client';
import { Output, type Streams } from './output';
import { jsonSource, jsonValue } from './requests';

/** What the process gives the CLI; tests of the wiring could pass their own. */
export interface Io extends Streams {
  env: Record<string, string | undefined>;
  home: string;
  stdin: NodeJS.ReadableStream;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  now: () => Date;
}

/** The options every subcommand takes (declared on the program). */
export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  adminKey?: string;
  config?: string;
  json?: boolean;
  color: boolean;
}

/** One subcommand's view of the world: output, settings and the gateway client, made on first use. */
export class Ctx {
  readonly out: Output;
  private resolved: ResolvedSettings | undefined;
  private gateway: GatewayClient | undefined;

  constructor(
    readonly globals: GlobalOptions,
    readonly io: Io,
  ) {
    this.out = new Output(!!globals.json, globals.color, io, io.env);
  }

  get signal(): AbortSignal {
    return this.io.signal;
  }

  now(): Date {
    return this.io.now();
  }

  settings(): ResolvedSettings {
    if (!this.resolved) {
      const file = configFilePath(this.globals.config, this.io.env, this.io.home);
      this.resolved = resolveSettings({
        flags: { url: this.globals.url, apiKey: this.globals.apiKey, adminKey: this.globals.adminKey },
        env: this.io.env,
        ...loadConfigFile(file.path, file.explicit),
      });
    }
    return this.resolved;
  }

  client(): GatewayClient {
    this.gateway ??= new GatewayClient(this.settings());
    return this.gateway;
  }

  /** A JSON value from an argument: inline text, `@file` or `-` (stdin). */
  async jsonArg(arg: string, what: string): Promise<unknown> {
    const source = jsonSource(arg);
    switch (source.kind) {
      case 'inline':
        return jsonValue(source.text, what);
      case 'stdin':
        return jsonValue(await readAll(this.io.stdin), `${what} (stdin)`);
      case 'file': {
        let text: string;
        try {
          text = await readFile(source.path, 'utf8');
        } catch (err) {
          throw new CliError(`cannot read ${what} file ${source.path}: ${(err as Error).message}`, EXIT.notFound);
        }
        return jsonValue(text, `${what} (${source.path})`);
      }
    }
  }
}

function loadConfigFile(path: string, explicit: boolean): { file?: ConfigFile; configFile?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read config file ${path}: ${(err as Error).message}`, EXIT.config);
  }
  return { file: parseConfigFile(text, path), configFile: path };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export type Action = (ctx: Ctx) => Promise<ExitCode | void>;

/** Runs one subcommand's action and keeps its exit code; errors become messages and codes. */
export class Runner {
  code: number = EXIT.ok;

  constructor(private readonly io: Io) {}

  async run(command: Command, action: Action): Promise<void> {
    const ctx = new Ctx(command.optsWithGlobals<GlobalOptions>(), this.io);
    try {
      this.code = (await action(ctx)) ?? EXIT.ok;
    } catch (err) {
      this.code = this.report(ctx, err);
    }
  }

  private report(ctx: Ctx, err: unknown): number {
    if (err instanceof CliError) {
      if (ctx.out.json && err.body !== undefined) ctx.out.printJson(err.body);
      ctx.out.error(err.message, err.lines);
      return err.exitCode;
    }
    if (ctx.signal.aborted) return EXIT.interrupted;
    ctx.out.error((err as Error)?.message ?? String(err));
    return EXIT.unexpected;
  }
}
