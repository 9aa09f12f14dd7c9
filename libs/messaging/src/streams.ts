import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { streamsFor, subjectsFor } from './subjects';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export type StreamKey = keyof ReturnType<typeof streamsFor>;

/** What operators set of the streams (NATS_STREAM_REPLICAS, COMMAND_EVENTS_MAX_AGE_MS). */
export interface StreamSettings {
  /** Copies of each stream: 1 on a single server, 3 on a three-node cluster. */
  replicas: number;
  /**
   * How long COMMAND_EVENTS keeps a command's events. Each command is a subject
   * of its own, and NATS holds an index entry in memory for every subject the
   * stream still has (about 170 bytes each, docs/operations.md).
   */
  commandEventsMaxAgeMs: number;
}

export const DEFAULT_STREAM_SETTINGS: StreamSettings = { replicas: 1, commandEventsMaxAgeMs: DAY };

/**
 * The configuration of every stream, by key. Only features of NATS 2.9 are
 * used (single filter subject per consumer, allow_direct for last-value reads).
 * `settings.replicas` is each stream's copy count: 1 on a single server, 3 on
 * a three-node cluster (NATS_STREAM_REPLICAS) so a stream survives a node.
 */
export function streamConfigs(
  ns: string,
  settings: StreamSettings = DEFAULT_STREAM_SETTINGS,
): Record<StreamKey, Partial<StreamConfig> & { name: string; subjects: string[] }> {
  const names = streamsFor(ns);
  const subjects = subjectsFor(ns);
  const configs = {
    // Work queue: a submitted command is removed once a dispatcher acks it.
    // The duplicate window makes Nats-Msg-Id an idempotency key for 2 minutes.
    commands: {
      name: names.commands,
      subjects: [subjects.submitAll],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(2 * MINUTE),
      max_age: nanos(7 * DAY),
      discard: DiscardPolicy.Old,
    },
    // Work queue of agents' reports and session events: a result survives a dispatcher crash.
    reports: {
      name: names.reports,
      subjects: [subjects.reportAll, subjects.sessionAll],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(2 * MINUTE),
      max_age: nanos(7 * DAY),
    },
    // Status history per agent, bounded; last value readable with a direct get.
    agentStatus: {
      name: names.agentStatus,
      subjects: [subjects.statusAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_msgs_per_subject: 100,
      max_age: nanos(7 * DAY),
      allow_direct: true,
    },
    // Lifecycle events per command, bounded; replayable by sequence for SSE.
    commandEvents: {
      name: names.commandEvents,
      subjects: [subjects.commandEventsAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_msgs_per_subject: 50,
      max_age: nanos(settings.commandEventsMaxAgeMs),
      duplicate_window: nanos(2 * MINUTE),
      allow_direct: true,
    },
    // Domain events, kept a week whether or not a consumer read them (others may
    // subscribe too). The duplicate window drops a republished event with the same
    // Nats-Msg-Id; past it, trigger firing is still once per event id.
    events: {
      name: names.events,
      subjects: [subjects.eventsAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(7 * DAY),
      duplicate_window: nanos(2 * MINUTE),
    },
  };
  for (const config of Object.values(configs)) Object.assign(config, { num_replicas: settings.replicas });
  return configs;
}
