// The OpenAPI document (/docs/openapi.json, as the running API serves it) documents every route's
// error responses with the one shared ErrorBody schema: one definition, referenced by every 4xx/5xx
// response, whose code enum is the registry, each response listing codes of its own status. Then
// the live API is asked for some of those errors on every documented route, and each answer's
// status must be one the route documents.
import { ERROR_CODES } from '@emo/contracts';
import { describe, expect, inject, it } from 'vitest';
import { testAdminEnv, testAuth as auth, useApiTestHarness } from '../testing/api-test-harness';

interface Operation {
  readonly security?: unknown[];
  readonly requestBody?: { content: Record<string, unknown> };
  readonly parameters?: { in: string; name: string }[];
  readonly responses: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface OpenApi {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { schemas: Record<string, { properties?: Record<string, { $ref?: string; enum?: string[] }> }> };
}

const ERROR_BODY_REF = '#/components/schemas/ErrorBody';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function operations(doc: OpenApi): { route: string; path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ route: `${method.toUpperCase()} ${path}`, path, method, op: item[method] })),
  );
}

const errorStatuses = (op: Operation) =>
  Object.keys(op.responses)
    .map(Number)
    .filter((s) => s >= 400);

describe.skipIf(!inject('redisAvailable'))('OpenAPI error responses', () => {
  const h = useApiTestHarness('openapi', { CACHE_ENABLED: 'false', API_DOCS: 'public', ...testAdminEnv });
  const loadDoc = async (): Promise<OpenApi> => {
    await h.start();
    const res = await h.request({ method: 'GET', url: '/docs/openapi.json' });
    expect(res.statusCode).toBe(200);
    return res.json() as OpenApi;
  };

  it('documents the error responses of every route with the one ErrorBody schema, codes by their registry status', async () => {
    const doc = await loadDoc();
    const schemas = doc.components.schemas;
    const errorProp = schemas.ErrorBody?.properties?.error;
    expect(errorProp?.$ref).toBe('#/components/schemas/ErrorBodyError');
    expect([...(schemas.ErrorBodyError?.properties?.code?.enum ?? [])].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    // One definition: no other schema has the `{ error }` shape.
    expect(Object.keys(schemas).filter((name) => schemas[name].properties?.error)).toEqual(['ErrorBody']);
    // A text's own error in a POST /v1/classify answer has the same shape, by the same schema.
    expect(schemas.ClassifyResponseDto?.properties?.results).toMatchObject({
      items: { oneOf: [{ $ref: '#/components/schemas/ResultDto' }, { $ref: ERROR_BODY_REF }] },
    });

    const ops = operations(doc);
    expect(ops.length).toBeGreaterThanOrEqual(15);
    const problems: string[] = [];
    for (const { route, op } of ops) {
      const statuses = errorStatuses(op);
      const need = [400];
      if (op.security?.length) need.push(401, 403);
      if (op.requestBody) need.push(413, 415, 422);
      if (op.parameters?.some((p) => p.in === 'path')) need.push(404);
      for (const status of need) if (!statuses.includes(status)) problems.push(`${route}: no ${status} response`);
      for (const status of statuses) {
        const response = op.responses[status];
        const ref = response.content?.['application/json']?.schema?.$ref;
        if (ref !== ERROR_BODY_REF) problems.push(`${route} ${status}: schema ${ref ?? 'none'}, not ErrorBody`);
        const codes = [...(response.description ?? '').matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]);
        if (codes.length === 0) problems.push(`${route} ${status}: names no code`);
        for (const code of codes) {
          const spec = ERROR_CODES[code as keyof typeof ERROR_CODES];
          if (spec?.httpStatus !== status)
            problems.push(`${route} ${status}: ${code} is ${spec ? spec.httpStatus : 'not in the registry'}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("answers every documented route's errors with a status the route documents and a body in the ErrorBody shape", async () => {
    const doc = await loadDoc();
    const answers: [string, string, number, boolean][] = [];
    for (const { route, path, method, op } of operations(doc)) {
      const url = path.replace(/\{[^}]+\}/g, 'missing-id-0');
      const m = method.toUpperCase() as 'GET' | 'POST' | 'DELETE';
      const tries: [string, Parameters<typeof h.request>[0]][] = [['key in query', { method: m, url: `${url}?api_key=x`, headers: auth }]];
      if (op.security?.length) tries.push(['no key', { method: m, url }]);
      if (op.requestBody)
        tries.push(['wrong type', { method: m, url, headers: { ...auth, 'content-type': 'application/xml' }, payload: '<x/>' }]);
      if (path.includes('{')) tries.push(['missing id', { method: m, url, headers: auth }]);
      for (const [what, req] of tries) {
        const res = await h.request(req);
        const body = res.json() as { error?: { code?: string; message?: string } };
        const shaped =
          typeof body.error?.message === 'string' &&
          ERROR_CODES[body.error.code as keyof typeof ERROR_CODES]?.httpStatus === res.statusCode;
        answers.push([
          `${route} (${what})`,
          res.statusCode >= 400 ? 'error' : 'ok',
          res.statusCode,
          errorStatuses(op).includes(res.statusCode) && shaped,
        ]);
      }
    }
    expect(answers.length).toBeGreaterThan(40);
    expect(answers.filter(([, kind, , documented]) => kind !== 'error' || !documented)).toEqual([]);
  });
});
