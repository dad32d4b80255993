export * from './error-codes';
export * from './app-error';
export * from './classification';
export * from './text-input';
export * from './records/record-source';
export * from './tenant';
export * from './model-id';
export * from './taxonomy';
