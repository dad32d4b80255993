import { describe, expect, it } from 'vitest';
import { fullestMemory, parseMemoryInfo } from './redis-memory';

describe('queue Redis memory readings', () => {
  it('reads used_memory and maxmemory from INFO memory, NaN when a field is absent', () => {
    expect(parseMemoryInfo('# Memory\r\nused_memory:1234\r\nused_memory_human:1.2K\r\nmaxmemory:0\r\n')).toEqual({
      usedBytes: 1234,
      maxBytes: 0,
    });
    expect(parseMemoryInfo('used_memory:5\r\n').maxBytes).toBeNaN();
  });

  it("takes a cluster's fullest master: the highest used/max among masters with a limit, else the most used", () => {
    const a = { usedBytes: 900, maxBytes: 0 };
    const b = { usedBytes: 300, maxBytes: 1000 };
    const c = { usedBytes: 600, maxBytes: 1000 };
    expect(fullestMemory([a, b, c])).toBe(c);
    expect(fullestMemory([c, b])).toBe(c);
    expect(fullestMemory([a, { usedBytes: 100, maxBytes: 0 }])).toBe(a);
    expect(fullestMemory([{ usedBytes: 100, maxBytes: 0 }, a])).toBe(a);
    expect(fullestMemory([b])).toBe(b);
  });
});
