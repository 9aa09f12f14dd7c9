import { InitialLedger1763900000000 } from './1763900000000-initial-ledger';
import { Schedules1763900000100 } from './1763900000100-schedules';
import { RetentionIndex1763900000200 } from './1763900000200-retention-index';
import { LeaseIndexPerState1763900000300 } from './1763900000300-lease-index-per-state';
import { HttpAgents1763900000400 } from './1763900000400-http-agents';
import { TriggersAndDeadLetterEvents1763900000500 } from './1763900000500-triggers-and-dead-letter-events';
import { Debates1763900000600 } from './1763900000600-debates';
import { CommandTraceparent1763900000700 } from './1763900000700-command-traceparent';
import { InFlightIndexByExpression1763900000800 } from './1763900000800-in-flight-index-by-expression';

/** In order of application. Never edit a committed migration; add one. */
export const MIGRATIONS = [
  InitialLedger1763900000000,
  Schedules1763900000100,
  RetentionIndex1763900000200,
  LeaseIndexPerState1763900000300,
  HttpAgents1763900000400,
  TriggersAndDeadLetterEvents1763900000500,
  Debates1763900000600,
  CommandTraceparent1763900000700,
  InFlightIndexByExpression1763900000800,
];
