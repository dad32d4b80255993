export * from './taxonomies';
export * from './taxonomy-view';
