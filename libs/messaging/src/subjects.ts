/**
 * Every NATS subject, JetStream stream and durable consumer Switchyard uses,
 * in one place. Nothing else builds a subject string. Every name carries the
 * namespace (`SWITCHYARD_NAMESPACE`), so namespaces sharing a server never see
 * each other's traffic. docs/subjects.md describes each one.
 */

import { deadLetterSubject, eventSubjectProblem } from '@switchyard/domain';

/** Tokens that would break a subject (wildcards, separators, whitespace). */
const UNSAFE_TOKEN = /[.*>\s]/;

export function assertToken(kind: string, value: string): string {
  if (!value || UNSAFE_TOKEN.test(value)) throw new Error(`invalid ${kind} for a subject token: "${value}"`);
  return value;
}

export function subjectsFor(ns: string) {
  const agent = (id: string) => `${ns}.agent.${assertToken('agent id', id)}`;
  return {
    /** Commands to one agent / to a pool (JetStream, COMMANDS stream). Services publish here too. */
    submitToAgent: (agentId: string) => `${ns}.cmd.submit.agent.${assertToken('agent id', agentId)}`,
    submitToPool: (pool: string) => `${ns}.cmd.submit.pool.${assertToken('pool', pool)}`,
    submitAll: `${ns}.cmd.submit.>`,
    /** Prefixes used to read the target back from a submit subject. */
    submitAgentPrefix: `${ns}.cmd.submit.agent.`,
    submitPoolPrefix: `${ns}.cmd.submit.pool.`,

    /**
     * Sync calls from services: a core NATS request whose reply is the outcome
     * (docs/sync.md). Outside `cmd.submit.>`, so the COMMANDS stream never
     * stores them; gateways answer them in one queue group.
     */
    callToAgent: (agentId: string) => `${ns}.cmd.call.agent.${assertToken('agent id', agentId)}`,
    callToPool: (pool: string) => `${ns}.cmd.call.pool.${assertToken('pool', pool)}`,
    callAll: `${ns}.cmd.call.>`,
    callAgentPrefix: `${ns}.cmd.call.agent.`,
    callPoolPrefix: `${ns}.cmd.call.pool.`,

    /** Lifecycle events of one command (JetStream, COMMAND_EVENTS stream, bounded history per command). */
    commandEvents: (commandId: string) => `${ns}.cmd.events.${assertToken('command id', commandId)}`,
    commandEventsAll: `${ns}.cmd.events.>`,

    /** Dispatcher → agent delivery of one attempt (core NATS; a lost one is caught by the ack timeout). */
    deliver: (agentId: string) => `${agent(agentId)}.deliver`,
    /**
     * Dispatcher → gateways: work was dispatched to this HTTP agent (core NATS, empty body). Wakes its
     * long poll; the work itself is in the ledger, so a lost wake-up only delays the next poll.
     */
    wake: (agentId: string) => `${agent(agentId)}.wake`,
    /** Agent → dispatcher reports on its commands: accepted, heartbeat, progress, result, error (REPORTS stream). */
    report: (agentId: string) => `${agent(agentId)}.report`,
    reportAll: `${ns}.agent.*.report`,
    /** Agent sessions: connect, heartbeat, disconnect (REPORTS stream, same consumer as reports). */
    session: (agentId: string) => `${agent(agentId)}.session`,
    sessionAll: `${ns}.agent.*.session`,
    /** Agent status (phase, activity, detail): AGENT_STATUS stream, last value per agent readable directly. */
    status: (agentId: string) => `${agent(agentId)}.status`,
    statusAll: `${ns}.agent.*.status`,
    /** Prefix of every agent subject, used to read the agent id back from one. */
    agentPrefix: `${ns}.agent.`,
    /** Control messages to an agent (cancel a command it holds). Core NATS. */
    control: (agentId: string) => `${agent(agentId)}.control`,

    /**
     * A debate topic opened its sign-up (orchestrator, after commit; core
     * NATS publish with a Nats-Msg-Id, so the EVENTS stream stores it once).
     */
    debateAnnounced: `${ns}.events.debate.announced`,
    /**
     * Domain events (JetStream, EVENTS stream), `<subject>` being dot-separated
     * tokens (libs/domain eventSubjectProblem). Triggers match the part after
     * the prefix.
     */
    event: (subject: string) => {
      const problem = eventSubjectProblem(subject);
      if (problem) throw new Error(`invalid event subject "${subject}": ${problem}`);
      return `${ns}.events.${subject}`;
    },
    eventsAll: `${ns}.events.>`,
    /** Prefix used to read the event subject back from a full subject. */
    eventsPrefix: `${ns}.events.`,
    /** The event Switchyard publishes for a dead letter of a command of this type: `<ns>.events.deadletter.<type>`. */
    deadLetterEvent: (commandType: string) => `${ns}.events.${deadLetterSubject(commandType)}`,
  };
}

export type Subjects = ReturnType<typeof subjectsFor>;

export function streamsFor(ns: string) {
  const prefix = ns.toUpperCase();
  return {
    commands: `${prefix}_COMMANDS`,
    reports: `${prefix}_REPORTS`,
    agentStatus: `${prefix}_AGENT_STATUS`,
    commandEvents: `${prefix}_COMMAND_EVENTS`,
    events: `${prefix}_EVENTS`,
  };
}

export type Streams = ReturnType<typeof streamsFor>;

export function consumersFor(ns: string) {
  return {
    /** Shared by every dispatcher replica: pulls submitted commands. */
    dispatcherCommands: `${ns}_dispatcher_commands`,
    /** Shared by every dispatcher replica: pulls agent reports and session events. */
    dispatcherReports: `${ns}_dispatcher_reports`,
    /** Shared by every dispatcher replica: folds agent status into the ledger. */
    dispatcherStatus: `${ns}_dispatcher_status`,
    /** Shared by every dispatcher replica: matches events against triggers. */
    dispatcherEvents: `${ns}_dispatcher_events`,
  };
}

export type Consumers = ReturnType<typeof consumersFor>;

/** Core NATS queue groups: each message goes to one member of the group. */
export function queueGroupsFor(ns: string) {
  return {
    /** Every gateway replica answers sync calls (`<ns>.cmd.call.>`); each call is answered by one. */
    gatewayCalls: `${ns}_gateway_calls`,
  };
}

/** Reads the target back from a submit subject; undefined when it is not one. */
export function parseSubmitSubject(
  subjects: Subjects,
  subject: string,
): { kind: 'agent' | 'pool'; name: string } | undefined {
  return parseTarget(subject, subjects.submitAgentPrefix, subjects.submitPoolPrefix);
}

/** Reads the target back from a call subject; undefined when it is not one. */
export function parseCallSubject(
  subjects: Subjects,
  subject: string,
): { kind: 'agent' | 'pool'; name: string } | undefined {
  return parseTarget(subject, subjects.callAgentPrefix, subjects.callPoolPrefix);
}

function parseTarget(
  subject: string,
  agentPrefix: string,
  poolPrefix: string,
): { kind: 'agent' | 'pool'; name: string } | undefined {
  for (const [kind, prefix] of [
    ['agent', agentPrefix],
    ['pool', poolPrefix],
  ] as const) {
    if (subject.startsWith(prefix)) {
      const name = subject.slice(prefix.length);
      return name && !name.includes('.') ? { kind, name } : undefined;
    }
  }
  return undefined;
}

/** Reads the agent id back from a status subject; undefined when it is not one. */
export function parseStatusSubject(subjects: Subjects, subject: string): string | undefined {
  const suffix = '.status';
  if (!subject.startsWith(subjects.agentPrefix) || !subject.endsWith(suffix)) return undefined;
  const id = subject.slice(subjects.agentPrefix.length, -suffix.length);
  return id && !id.includes('.') ? id : undefined;
}

/** Reads the event subject (relative to `<ns>.events.`) back from a full subject; undefined when it is not a valid one. */
export function parseEventSubject(subjects: Subjects, subject: string): string | undefined {
  if (!subject.startsWith(subjects.eventsPrefix)) return undefined;
  const relative = subject.slice(subjects.eventsPrefix.length);
  return eventSubjectProblem(relative) ? undefined : relative;
}
