import { z } from 'zod';

/** The worker's own settings (Temporal and Fintecture settings are parsed by their modules). */
export const workerEnvSchema = z.object({
  WORKER_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(100),
  /** Prebundled workflow code (`npm run bundle` writes dist/workflow-bundle.js). */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
});
