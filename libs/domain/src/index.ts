export * from './domain.module';
export * from './domain.service';
