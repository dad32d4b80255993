export * from './config.schema';
export * from './load-config';
export * from './precision-device-rules';
export * from './keys-file/keys-file.schema';
export * from './keys-file/load-keys-file';
export * from './redis-endpoints';
export * from './redis-key-slot';
