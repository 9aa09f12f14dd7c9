import ora, { type Ora } from 'ora';
import { palette, type Palette } from './format';

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface Progress {
  update(text: string): void;
  stop(): void;
}

/**
 * Where the CLI writes: results to stdout (JSON with `--json`), messages and
 * progress to stderr. Colour only on a terminal (and never with `--json`,
 * NO_COLOR or `--no-color`; FORCE_COLOR turns it on); a spinner only when
 * stderr is a terminal with a width.
 */
export class Output {
  readonly c: Palette;
  readonly ce: Palette;

  constructor(
    readonly json: boolean,
    color: boolean,
    private readonly streams: Streams,
    env: Record<string, string | undefined>,
  ) {
    const forced = !!env.FORCE_COLOR && env.FORCE_COLOR !== '0';
    const allowed = color && !env.NO_COLOR;
    this.c = palette(!json && allowed && (forced || !!streams.stdout.isTTY));
    this.ce = palette(allowed && (forced || !!streams.stderr.isTTY));
  }

  /** A result line (or block) on stdout. */
  print(text: string): void {
    this.streams.stdout.write(`${text}\n`);
  }

  /** A JSON document on stdout: pretty on a terminal, one line otherwise (NDJSON-friendly). */
  printJson(value: unknown, oneLine = false): void {
    const pretty = !oneLine && !!this.streams.stdout.isTTY;
    this.streams.stdout.write(`${JSON.stringify(value, null, pretty ? 2 : undefined)}\n`);
  }

  /** A message for the person at the terminal, on stderr. */
  note(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }

  error(message: string, lines: readonly string[] = []): void {
    this.streams.stderr.write(`${this.ce.red(`switchyard: ${message}`)}\n`);
    for (const line of lines) this.streams.stderr.write(`${line}\n`);
  }

  progress(text: string): Progress {
    // A terminal that reports no width (some pseudo-terminals) would make the spinner redraw without end.
    const { isTTY, columns } = this.streams.stderr;
    if (!isTTY || !columns) return { update: () => undefined, stop: () => undefined };
    const spinner: Ora = ora({ text, stream: this.streams.stderr, discardStdin: false }).start();
    return {
      update: (t) => {
        spinner.text = t;
      },
      stop: () => {
        spinner.stop();
      },
    };
  }
}
