import { describe, expect, it } from '@jest/globals';
import { withQueuedSends } from './queued-sends';

describe('withQueuedSends', () => {
  it('hands back the result and the queued sends, made only when the caller says, in order', async () => {
    const log: string[] = [];
    const { result, send } = await withQueuedSends((sends) => {
      sends.push(
        () => log.push('a'),
        () => log.push('b'),
      );
      return Promise.resolve(42);
    });
    expect(result).toBe(42);
    expect(log).toEqual([]);
    send();
    expect(log).toEqual(['a', 'b']);
  });

  it('on a throw, makes what was queued before the error goes on', async () => {
    const log: string[] = [];
    const failed = withQueuedSends((sends) => {
      sends.push(() => log.push('committed'));
      return Promise.reject(new Error('second statement failed'));
    });
    await expect(failed).rejects.toThrow('second statement failed');
    expect(log).toEqual(['committed']);
  });
});
