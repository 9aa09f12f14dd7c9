import type { DelegateOptions } from './handler';

/** The submission body of a delegated command, the same over NATS and HTTP (the target aside). */
export function delegationBody(
  parentId: string,
  type: string,
  payload: unknown,
  options: DelegateOptions = {},
): Record<string, unknown> {
  const { deadline, ...rest } = options;
  return {
    type,
    ...(payload !== undefined ? { payload } : {}),
    parentId,
    ...rest,
    ...(deadline ? { deadline: deadline.toISOString() } : {}),
  };
}
