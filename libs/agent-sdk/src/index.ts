export * from './agent-sdk.module';
export * from './agent-sdk.service';
