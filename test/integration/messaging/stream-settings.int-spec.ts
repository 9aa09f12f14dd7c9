import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { nanos } from '@nats-io/transport-node';
import { JetStreamService } from '@switchyard/messaging';
import { createTestEnv, TestEnv } from '../../support/test-env';

/**
 * COMMAND_EVENTS_MAX_AGE_MS reaches the stream on a real NATS server: a
 * service creates the stream with it, and a later service start with another
 * value updates the stream to that value (each service ensures its streams).
 */
describe('stream settings (real NATS)', () => {
  let t: TestEnv;
  const services: JetStreamService[] = [];

  const start = async (commandEventsMaxAgeMs: number): Promise<JetStreamService> => {
    const js = await JetStreamService.connect({
      servers: [t.natsUrl],
      namespace: t.namespace,
      name: 'stream-settings-spec',
      streams: { replicas: 1, commandEventsMaxAgeMs },
    });
    services.push(js);
    await js.ensureStreams(['commandEvents', 'agentStatus']);
    return js;
  };
  const maxAgeOf = async (js: JetStreamService, stream: string) => (await js.jsm.streams.info(stream)).config.max_age;

  beforeAll(async () => {
    t = await createTestEnv();
  });
  afterAll(async () => {
    for (const js of services) await js.close();
    await t?.teardown();
  });

  it('creates COMMAND_EVENTS with the configured age, then follows a restart with another', async () => {
    const first = await start(120_000);
    expect(await maxAgeOf(first, first.streams.commandEvents)).toBe(nanos(120_000));

    const second = await start(3_600_000);
    expect(await maxAgeOf(second, second.streams.commandEvents)).toBe(nanos(3_600_000));
    // Only the command events' age is set by it; the other streams keep their own.
    expect(await maxAgeOf(second, second.streams.agentStatus)).toBe(nanos(7 * 24 * 3_600_000));
  });
});
