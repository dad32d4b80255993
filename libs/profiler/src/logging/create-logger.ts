// pino loggers for every app: structured JSON on stderr (stdout belongs to command output),
// texts and secrets redacted by default.
import pino, { type Logger } from 'pino';

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

export function createLogger(options: { level: string; name?: string; redactTexts?: boolean }): Logger {
  return pino(
    {
      name: options.name ?? 'emo',
      level: options.level,
      redact: {
        paths: options.redactTexts === false ? REDACT_PATHS.filter((p) => !p.includes('text')) : REDACT_PATHS,
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
