export * from './logging/create-logger';
