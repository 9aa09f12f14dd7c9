export * from './persistence.module';
export * from './persistence.service';
