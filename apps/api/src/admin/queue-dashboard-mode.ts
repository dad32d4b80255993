// Whether the API serves the queue dashboard, and to whom. Off unless API_QUEUE_DASHBOARD=true.
// With authentication on (API_KEYS or API_KEYS_FILE) it is for admin keys (`admin`). With
// authentication off every caller is the default tenant with every scope, so the dashboard would
// show every queue to anyone who reaches the port: refused at start (CONFIG_INVALID) unless the
// operator says so with API_QUEUE_DASHBOARD_ALLOW_OPEN=true (`open`, a local fleet).
import type { ApiConfig } from '@emo/config';
import { AppError } from '@emo/contracts';

export type QueueDashboardMode = 'off' | 'admin' | 'open';

type DashboardSettings = Pick<ApiConfig, 'apiQueueDashboard' | 'apiQueueDashboardAllowOpen' | 'apiKeys' | 'apiKeysFile'>;

export function queueDashboardMode(api: DashboardSettings): QueueDashboardMode {
  if (!api.apiQueueDashboard) return 'off';
  if (api.apiKeys.length > 0 || api.apiKeysFile !== undefined) return 'admin';
  if (api.apiQueueDashboardAllowOpen) return 'open';
  throw new AppError(
    'CONFIG_INVALID',
    'Invalid configuration: API_QUEUE_DASHBOARD: authentication is off (no API_KEYS, no API_KEYS_FILE), so the queue dashboard would be open to anyone; configure an admin key (API_ADMIN_KEYS or a keys-file tenant with the admin scope), or set API_QUEUE_DASHBOARD_ALLOW_OPEN=true for a local fleet',
    {
      problems: [
        {
          variable: 'API_QUEUE_DASHBOARD',
          problem: 'authentication is off; set API_KEYS/API_KEYS_FILE or API_QUEUE_DASHBOARD_ALLOW_OPEN=true',
        },
      ],
    },
  );
}
