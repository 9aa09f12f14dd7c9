import { agentCaller } from '@switchyard/domain';

/** Who is calling, as established by a guard. */
export type Principal =
  | { kind: 'client'; clientId: string; keyId: string }
  | { kind: 'agent'; agentId: string; keyId: string }
  | { kind: 'admin' };

/** The ledger's `caller` value for a principal (idempotency keys are unique per caller). */
export function callerOf(principal: Principal): string {
  switch (principal.kind) {
    case 'client':
      return `client:${principal.clientId}`;
    case 'agent':
      return agentCaller(principal.agentId);
    case 'admin':
      return 'admin';
  }
}
