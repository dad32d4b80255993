export * from './bundle-config.schema';
export * from './model-bundle';
export * from './default-model';
