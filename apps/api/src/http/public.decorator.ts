// Marks a route as open (no API key): health, readiness, metrics, docs.
import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'emo:public';
export const Public = () => SetMetadata(IS_PUBLIC, true);
