import { describe, expect, it } from 'vitest';
import { apiBaseUrl } from './api-url';

describe(apiBaseUrl.name, () => {
  it('takes an http or https URL', () => {
    expect(apiBaseUrl('http://localhost:8080', '--url').origin).toBe('http://localhost:8080');
    expect(apiBaseUrl('https://fleet.example.com/', '--fleet').origin).toBe('https://fleet.example.com');
  });

  it.each(['localhost:8080', 'fleet', 'ftp://fleet.example.com', ''])('refuses %j as a usage error naming the flag', (value) => {
    expect(() => apiBaseUrl(value, '--fleet')).toThrow(
      expect.objectContaining({ code: 'CLI_USAGE', message: `--fleet must be a URL such as http://localhost:8080, got ${value}` }),
    );
  });
});
