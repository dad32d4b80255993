export * from './backfill-chunker';
export * from './backfill-ingestor';
export * from './backfill-lines';
export * from './backfill-reader';
export * from './backfill-status';
export * from './backfill-store';
export * from './backfill.types';
