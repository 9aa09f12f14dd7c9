export * from './command/command-draft';
export * from './command/command-state';
export * from './command/command.transitions';
export * from './retry/backoff';
export * from './routing/pool-selection';
export * from './text/preview';
