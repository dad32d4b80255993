import { describe, expect, it } from 'vitest';
import { chunkSummary } from './chunk-summary';

describe(chunkSummary.name, () => {
  it("keeps a chunk's owner and size and drops its texts and item ids", () => {
    const sut = chunkSummary({
      jobId: 'j1',
      tenant: 'team-a',
      chunk: 3,
      priority: 'bulk',
      weight: 2,
      cacheChecked: true,
      items: [{ id: 'secret-id', text: 'secret text' }, { text: 'another' }],
    });
    expect(sut).toEqual({ job: 'j1', tenant: 'team-a', chunk: 3, priority: 'bulk', texts: 2, weight: 2 });
    expect(JSON.stringify(sut)).not.toContain('secret');
  });

  it('reads a chunk queued before tenants existed as the default tenant, and shows anything else as its key count', () => {
    expect(chunkSummary({ jobId: 'j', chunk: 0, priority: 'interactive', items: [] })).toMatchObject({ tenant: 'default', texts: 0 });
    expect(chunkSummary({ text: 'secret', other: 1 })).toEqual({ fields: 2 });
    expect(chunkSummary(null)).toEqual({ fields: 0 });
  });
});
