import { InitialLedger1763900000000 } from './1763900000000-initial-ledger';

/** In order of application. Never edit a committed migration; add one. */
export const MIGRATIONS = [InitialLedger1763900000000];
