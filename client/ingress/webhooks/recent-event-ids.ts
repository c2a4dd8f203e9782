/**
 * The event IDs this ingress acknowledged lately (webhook X-Request-IDs or Date + Digest digests, redirect
 * digests), so a repeated delivery is acknowledged without a second signal. Bounded: the oldest are
 * forgotten first. The workflow dedups by event ID too, so forgetting only costs a redundant signal, never a
 * double action.
 *
 * Sized by count, with no TTL, and that still fits webhooks accepted for 24 h (WEBHOOK_MAX_AGE_SECONDS):
 * Fintecture retries only deliveries we did not answer 2xx, and an ID is remembered only once answered 2xx,
 * so a repeat of a remembered ID is a lost answer or a replay, usually soon after. The ingress's 10 000 IDs
 * span the whole 24 h up to ~7 acknowledged events a minute; beyond that a late repeat may get through as
 * one redundant signal, which the workflow drops or turns into one more read (G4). A TTL would only forget
 * sooner.
 */
export class RecentEventIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  remember(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
