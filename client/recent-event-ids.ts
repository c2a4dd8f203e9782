/**
 * The event IDs this ingress acknowledged lately (webhook X-Request-IDs, redirect digests), so a repeated
 * delivery is acknowledged without a second signal. Bounded: the oldest are forgotten first. The workflow
 * dedups by event ID too, so forgetting only costs a redundant signal, never a double action.
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
