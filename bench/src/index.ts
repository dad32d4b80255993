export * from './bench-data';
export * from './chat-log-generator';
export * from './engine.bench';
export * from './backfill-local.bench';
export * from './batching.bench';
export * from './cache.bench';
export * from './fleet.bench';
export * from './profiler.bench';
