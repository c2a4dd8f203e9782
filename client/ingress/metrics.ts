import { Counter, Histogram, type Registry } from 'prom-client';

/** The ingress's Prometheus metrics, registered on an injected registry (one per ingress in tests). */
export interface IngressMetrics {
  /** `result`: `created` | `existing` | `pending`. */
  payoutsStarted: Counter<'result'>;
  /** `result`: `verified` or the verification failure reason (`digest_mismatch`, …). */
  webhooks: Counter<'result'>;
  /** `source`: `webhook` | `redirect`; `outcome`: `signalled` | `unknown` | `finished` | `duplicate` | `unavailable`. */
  signals: Counter<'source' | 'outcome'>;
  requestDuration: Histogram<'method' | 'route' | 'status_code'>;
}

export function createIngressMetrics(registry: Registry): IngressMetrics {
  return {
    payoutsStarted: new Counter({
      name: 'payout_ingress_payouts_started_total',
      help: 'POST /payouts answered, by whether the payout was new',
      labelNames: ['result'],
      registers: [registry],
    }),
    webhooks: new Counter({
      name: 'payout_ingress_webhooks_total',
      help: 'Fintecture webhooks received, by verification result',
      labelNames: ['result'],
      registers: [registry],
    }),
    signals: new Counter({
      name: 'payout_ingress_signals_total',
      help: 'Payout events passed to workflows, by source and outcome',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'payout_ingress_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers: [registry],
    }),
  };
}
