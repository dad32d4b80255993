import { describe, expect, it } from 'vitest';
import { hasKeyInQuery, redactQueryKeys } from './api-key-in-query';

describe('API keys in the query string', () => {
  describe(hasKeyInQuery.name, () => {
    it('finds a parameter named like a key, in any case and percent-encoded', () => {
      for (const url of [
        '/x?api_key=1',
        '/x?APIKEY=1',
        '/x?a=1&key',
        '/x?Token=',
        '/x?access_token=1#f',
        '/x?%61pi-key=1',
        '/x?api%5Fkey=1',
      ])
        expect(hasKeyInQuery(url), url).toBe(true);
    });

    it('leaves other parameters alone, and URLs without a query', () => {
      for (const url of ['/x', '/x?offset=10', '/x?monkey=1&keys=2', '/api_key?x=1', '/x?q=api_key', '/x?%zz=1'])
        expect(hasKeyInQuery(url), url).toBe(false);
    });
  });

  describe(redactQueryKeys.name, () => {
    it("replaces only the key parameters' values and keeps the rest as sent", () => {
      expect(redactQueryKeys('/v1/jobs/j?offset=5&api_key=s3cr3t&Token=t0k%20en')).toBe(
        '/v1/jobs/j?offset=5&api_key=[REDACTED]&Token=[REDACTED]',
      );
      expect(redactQueryKeys('/v1/jobs/j?offset=5')).toBe('/v1/jobs/j?offset=5');
      expect(redactQueryKeys('/healthz')).toBe('/healthz');
    });
  });
});
