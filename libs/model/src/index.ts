export * from './bundle-config.schema';
export * from './model-files';
export * from './model-bundle';
export * from './default-model';
export * from './serving-guard';
export * from './inspect-bundle';
