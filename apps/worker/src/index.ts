export * from './worker-app';
export * from './metrics-server';
export * from './worker-metrics';
export * from './provider-readiness';
