export * from './api-key';
export * from './api-key.service';
export * from './guards';
export * from './principal';
export * from './principal.decorator';
export * from './read-scope';
