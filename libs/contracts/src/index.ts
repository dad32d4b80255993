export * from './error-codes';
export * from './app-error';
export * from './classification.schema';
export * from './text-input';
export * from './records/record-source';
