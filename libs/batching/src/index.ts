export * from './adaptive-budget-controller';
export * from './batch-params.store';
export * from './batch-types';
export * from './clock';
export * from './latency-model';
export * from './memory-probe';
export * from './pending-queue';
