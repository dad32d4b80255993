// pino loggers for every app: structured JSON on stderr (stdout belongs to command output), or
// plain `emo: warning: …` lines for the CLI (format 'plain'); texts and secrets redacted by default.
import pino, { type Logger } from 'pino';
import { logErrorSerializer } from './log-error-serializer';
import { plainLogDestination } from './plain-log-destination';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'text',
  'texts',
  '*.text',
  '*.texts',
  'items[*].text',
  'req.headers.authorization',
  'headers.authorization',
  'apiKey',
  '*.apiKey',
  'redisUrl',
  'cacheRedisUrl',
];

export interface LoggerOptions {
  level: string;
  name?: string;
  redactTexts?: boolean;
  /** json (default): one pino JSON object per line; plain: `emo: warning: message` lines. */
  format?: 'json' | 'plain';
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name ?? 'emo',
      level: options.level,
      serializers: { err: logErrorSerializer },
      redact: {
        paths: options.redactTexts === false ? REDACT_PATHS.filter((p) => !p.includes('text')) : REDACT_PATHS,
        censor: '[redacted]',
      },
    },
    options.format === 'plain' ? plainLogDestination() : pino.destination({ fd: 2, sync: true }),
  );
}
