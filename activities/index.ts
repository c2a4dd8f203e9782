import { log } from '@temporalio/activity';
import { type Logger } from '@temporalio/common';
import { type FintectureCallMetrics } from './fintecture/call-metrics';
import { FintectureClient } from './fintecture/client';
import { loadFintectureConfig } from './fintecture/config';
import { createPayoutActivities } from './payout-activities';
import { type OrderWebhookConfig } from '../common/order-webhooks';

export {
  createPayoutActivities,
  type PayoutActivities,
  type PayoutActivitiesDependencies,
} from './payout-activities';
export { FintectureClient, type FintectureApi } from './fintecture/client';
export {
  ORDER_WEBHOOK_UNDELIVERED,
  type NotifyOrderSystemInput,
  type NotifyOrderSystemResult,
} from './notify-activities';
export {
  fintectureMetricsOn,
  noFintectureMetrics,
  type FintectureCallMetrics,
} from './fintecture/call-metrics';
export { loadFintectureConfig, type FintectureConfig } from './fintecture/config';

/**
 * The worker's wiring: settings parsed once (fails at start-up naming the bad setting), one client and so
 * one token cache per process. The default logger is the activity logger (it tags lines with the activity).
 */
export function createPayoutActivitiesFromEnv(
  env: Record<string, string | undefined> = process.env,
  {
    logger = log,
    metrics,
    notify = null,
  }: { logger?: Logger; metrics?: FintectureCallMetrics; notify?: OrderWebhookConfig | null } = {},
) {
  const config = loadFintectureConfig(env);
  const client = new FintectureClient({ config, logger, metrics });
  return createPayoutActivities({ client, config, logger, notify });
}
