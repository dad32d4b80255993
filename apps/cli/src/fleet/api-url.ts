// A fleet API base URL given on the command line (--url, --fleet).
import { AppError } from '@emo/contracts';

/** http(s) URLs only; anything else is a usage error naming the flag, not an unreachable fleet. */
export function apiBaseUrl(value: string, flag: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
    throw new AppError('CLI_USAGE', `${flag} must be a URL such as http://localhost:8080, got ${value}`);
  return url;
}
