import { z } from 'zod';
import { checkNotifyPair, notifyEnvShape } from '../common/order-webhooks';

/** The worker's own settings (Temporal and Fintecture settings are parsed by their modules). */
export const workerEnvSchema = z
  .object({
    WORKER_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
    WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(100),
    /** How far a JavaScript heap may grow past its live size, in percent (`workers/heap-growth.ts`); 0: V8's own. */
    WORKER_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(300).default(50),
    /**
     * Reads of Fintecture (polls, confirming reads) per second across every worker of the task queue, held by
     * the Temporal server. Fintecture publishes no limit; 429s are honoured on top of it.
     */
    FINTECTURE_MAX_READS_PER_SECOND: z.coerce.number().positive().max(10_000).default(25),
    /**
     * `host:port` of the worker's Prometheus endpoint (`/metrics`): the SDK's own worker metrics plus the
     * Fintecture call and payout outcome metrics. Unset: no endpoint.
     */
    WORKER_METRICS_ADDRESS: z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9464')
      .optional(),
    /** Prebundled workflow code (`npm run bundle` writes dist/workflow-bundle.js). */
    WORKFLOW_BUNDLE_PATH: z.string().optional(),
    /**
     * Outcome events to the order system (README "Outcome events"): one URL or several, comma-separated,
     * and the Standard Webhooks secret (`whsec_…`). No URL: no events; a URL without a secret: refused.
     */
    ...notifyEnvShape,
  })
  .superRefine(checkNotifyPair);
