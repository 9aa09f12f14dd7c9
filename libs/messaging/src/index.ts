export * from './messaging.module';
export * from './messaging.service';
