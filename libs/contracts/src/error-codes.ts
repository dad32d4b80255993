// The one registry of stable error codes. Every error the product reports to a user (HTTP body,
// CLI line, per-line backfill error) carries one of these codes; the HTTP status and whether a
// retry can help live here and nowhere else.

export interface ErrorSpec {
  readonly httpStatus: number;
  readonly message: string;
  readonly retryable: boolean;
}

const spec = (httpStatus: number, message: string, retryable = false): ErrorSpec => ({ httpStatus, message, retryable });

export const ERROR_CODES = {
  // configuration and usage
  CONFIG_INVALID: spec(500, 'Invalid configuration'),
  CLI_USAGE: spec(400, 'Invalid command-line usage'),
  PORT_IN_USE: spec(
    500,
    'The address to listen on is taken by another process or not allowed (PORT, METRICS_PORT, API_METRICS_PORT, HOST)',
  ),
  EVAL_LABELS_INVALID: spec(422, "The evaluation data has lines without usable gold label ids (missing, not ids, or not the model's)"),
  // input texts and lines
  TEXT_EMPTY: spec(422, 'Text is empty or whitespace only'),
  TEXT_TOO_LONG: spec(422, 'Text exceeds the configured maximum length'),
  TEXT_NOT_STRING: spec(422, 'Text must be a string'),
  TEXT_INVALID_UTF8: spec(422, 'Text is not valid UTF-8'),
  LINE_MALFORMED: spec(422, 'Line could not be parsed'),
  LINE_TOO_LONG: spec(422, 'Line is longer than BACKFILL_MAX_LINE_BYTES'),
  FIELD_MISSING: spec(422, 'A required field is missing'),
  REQUEST_INVALID: spec(422, 'Request body does not match the schema'),
  TAXONOMY_UNKNOWN: spec(422, 'Unknown taxonomy: one of goemotions, ekman, sentiment'),
  TAXONOMY_UNSUPPORTED: spec(422, "The model's labels are not GoEmotions': only the goemotions taxonomy applies"),
  TOO_MANY_TEXTS: spec(422, 'Too many texts in one request'),
  PAYLOAD_TOO_LARGE: spec(413, 'Request body is too large'),
  UNSUPPORTED_MEDIA_TYPE: spec(415, 'The Content-Type of the body is not one this route accepts'),
  REQUEST_MALFORMED: spec(400, 'Malformed request (URL, headers or body encoding)'),
  URI_TOO_LONG: spec(414, 'A path parameter of the URL is too long'),
  HEADERS_TOO_LARGE: spec(431, 'Request headers are too large'),
  REQUEST_TIMEOUT: spec(408, 'The request was not received in time'),
  BACKFILL_ID_INVALID: spec(422, 'A backfill id is 1-128 characters: letters, digits, "-" and "_" (not first)'),
  // auth
  UNAUTHORIZED: spec(401, 'Missing API key'),
  FORBIDDEN: spec(403, 'Invalid API key'),
  SCOPE_MISSING: spec(403, 'The API key lacks the scope this route needs'),
  API_KEY_IN_QUERY: spec(400, 'API keys are accepted only in the Authorization header, never in the URL'),
  CROSS_ORIGIN_REFUSED: spec(403, "A change signed in by the admin session cookie must come from the API's own origin"),
  QUEUE_DASHBOARD_READ_ONLY: spec(403, 'The queue dashboard is read-only (API_QUEUE_DASHBOARD_READ_ONLY)'),
  // resources
  NOT_FOUND: spec(404, 'Resource not found'),
  JOB_NOT_FOUND: spec(404, 'Job not found'),
  BACKFILL_NOT_FOUND: spec(404, 'Backfill not found'),
  JOB_CANCELLED: spec(409, 'Job was cancelled before this item ran'),
  BACKFILL_CONFLICT: spec(409, 'The backfill id already names a backfill with other input or settings'),
  BACKFILL_RESULTS_MISSING: spec(
    500,
    "A completed backfill lacks a chunk's stored inputs or results (lost with a Redis node): upload the same file again under the same id to repair it",
  ),
  IDEMPOTENCY_CONFLICT: spec(409, 'The idempotency key was already used with a different payload'),
  // model bundle
  MODEL_NOT_FOUND: spec(500, 'Model bundle not found'),
  MODEL_CORRUPT: spec(500, 'Model bundle is corrupt'),
  MODEL_MISMATCH: spec(500, 'Model bundle does not match its graph'),
  MODEL_BENCHMARK_ONLY: spec(500, 'Benchmark-only model bundle (random weights and labels): not served'),
  ACCURACY_GATE_FAILED: spec(422, 'The optimized model variant is below the configured accuracy thresholds'),
  // engine
  PROVIDER_UNAVAILABLE: spec(503, 'No execution provider could load the model', true),
  PROVIDER_FALLBACK_REFUSED: spec(
    503,
    'The preferred execution provider (first of EXECUTION_PROVIDERS) did not load and ALLOW_CPU_FALLBACK is off: the worker takes no work',
  ),
  INFERENCE_FAILED: spec(500, 'Inference failed', true),
  OUT_OF_MEMORY: spec(503, 'Out of memory during inference', true),
  ENGINE_CLOSED: spec(503, 'Engine is shutting down', true),
  DEADLINE_EXCEEDED: spec(504, 'Deadline exceeded', true),
  // fleet
  OVERLOADED: spec(429, 'Server is overloaded, retry later', true),
  RATE_LIMITED: spec(429, "The tenant's rate limit (texts per second) is exceeded, retry later", true),
  TENANT_BACKLOG_FULL: spec(429, "The tenant's share of the backlog (queued texts) is full, retry later", true),
  QUEUE_UNAVAILABLE: spec(503, 'Queue backend is unavailable', true),
  CACHE_UNAVAILABLE: spec(503, 'Cache backend is unavailable', true),
  CHUNK_FAILED: spec(500, 'The chunk holding this item failed on every attempt (error, timeout or stalled worker)', true),
  // Not retryable: an unexpected error is a bug, and repeating the same input repeats it.
  INTERNAL: spec(500, 'Internal error'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}
