export * from './config';
export * from './config.module';
export * from './env.schema';
export * from './startup-error';
