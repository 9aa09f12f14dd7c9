import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { NestPinoLogger } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { sut: new NestPinoLogger(pino({ level: 'trace' }, stream)), lines };
}

describe(NestPinoLogger.name, () => {
  const cases = [
    { name: 'text with context', call: ['log', 'ready', 'Svc'], expected: { level: 30, msg: 'ready', context: 'Svc' } },
    {
      name: 'fields, text and context',
      call: ['warn', { commandId: 'c1' }, 'refused', 'Svc'],
      expected: { level: 40, msg: 'refused', context: 'Svc', commandId: 'c1' },
    },
    { name: 'fields and context only', call: ['log', { n: 1 }, 'Svc'], expected: { level: 30, context: 'Svc', n: 1 } },
    {
      name: 'error text, stack and context',
      call: ['error', 'boom', 'Error: boom\n  at x', 'Svc'],
      expected: { level: 50, msg: 'boom', context: 'Svc', stack: 'Error: boom\n  at x' },
    },
    { name: 'boot chatter is debug', call: ['log', 'Mapped route', 'RouterExplorer'], expected: { level: 20 } },
  ] as const;

  it.each(cases)('$name', ({ call, expected }) => {
    const { sut, lines } = capture();
    const [method, ...args] = call;
    const log: (...a: unknown[]) => void = sut[method].bind(sut);
    log(...args);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject(expected);
  });
});
