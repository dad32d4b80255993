export * from './api-app';
export * from './api.module';
export * from './tokens';
export * from './metrics/api-metrics';
