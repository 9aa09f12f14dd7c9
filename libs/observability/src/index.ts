export * from './command-metrics';
export * from './health';
export * from './logger';
export * from './metric-catalog';
export * from './metrics';
export * from './metrics.module';
export * from './serve';
export * from './trace';
