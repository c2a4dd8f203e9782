import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const FAULT_ROUTES = ['token', 'create', 'fetch', 'list', 'cancel', '*'] as const;
export type FaultRoute = (typeof FAULT_ROUTES)[number];

export const faultSpecSchema = z
  .object({
    route: z.enum(FAULT_ROUTES),
    /**
     * status: answer an error, apply nothing · delay: wait, then apply and answer normally ·
     * drop: close the connection, apply nothing · malformed: apply, answer 200 with broken JSON ·
     * commit-then-drop: apply, close the connection without answering (the response is "lost").
     */
    mode: z.enum(['status', 'delay', 'drop', 'malformed', 'commit-then-drop']),
    times: z.number().int().min(1).default(1),
    status: z.number().int().min(400).max(599).default(500),
    retryAfterSeconds: z.number().int().min(0).optional(),
    delayMs: z.number().int().min(0).max(120_000).default(30_000),
  })
  .strict();

export type FaultSpec = z.infer<typeof faultSpecSchema>;
export interface Fault extends FaultSpec {
  id: string;
  remaining: number;
}

/** Faults waiting to hit the next requests of a route, oldest first. */
export class FaultBook {
  private faults: Fault[] = [];

  add(spec: FaultSpec): Fault {
    const fault = { ...spec, id: randomUUID(), remaining: spec.times };
    this.faults.push(fault);
    return fault;
  }

  /** The fault that applies to this request, if any (consumes one of its `times`). */
  take(route: Exclude<FaultRoute, '*'>): Fault | undefined {
    const fault = this.faults.find((f) => f.route === route || f.route === '*');
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }

  list(): Fault[] {
    return [...this.faults];
  }

  clear(): void {
    this.faults = [];
  }
}
