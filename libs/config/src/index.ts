export * from './config.module';
export * from './config.service';
