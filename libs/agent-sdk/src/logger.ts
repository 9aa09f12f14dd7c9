/** The logger an agent writes to: pino's `(fields, message)` call shape. */
export interface AgentLogger {
  /** Per-attempt detail (delivered, finished); optional, as many loggers keep it off. */
  debug?(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const noop = (): void => undefined;

/** The default: an SDK embedded in someone else's process says nothing unless asked. */
export const silentLogger: AgentLogger = { info: noop, warn: noop, error: noop };

/** One JSON object per line on stdout (stderr for errors), for agents without a logger of their own. */
export function consoleJsonLogger(base: object = {}): AgentLogger {
  const write = (level: string, stream: NodeJS.WriteStream) => (fields: object, message: string) => {
    stream.write(`${JSON.stringify({ level, time: new Date().toISOString(), ...base, ...fields, msg: message })}\n`);
  };
  return {
    info: write('info', process.stdout),
    warn: write('warn', process.stdout),
    error: write('error', process.stderr),
  };
}
