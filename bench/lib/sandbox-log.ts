/**
 * The sandbox's request log (`GET /_sandbox/requests`): one entry per Fintecture API request, with its arrival
 * time to the millisecond. The sandbox keeps the latest 20 000 entries (sandbox/server.ts), so a figure that
 * counts from it checks that its own start is still in the log (`coversSince`).
 */

export interface SandboxRequest {
  /** ISO time of arrival (ms). */
  at: string;
  method: string;
  /** Path and query as sent. */
  url: string;
  /** `token`, `create`, `fetch` (GET /pis/v2/payments/{id}), `list`, `cancel`, … */
  route: string;
  status: number | null;
}

/** The session a `fetch` entry read (GET /pis/v2/payments/{id}); null for any other entry. */
export function fetchedSession(entry: SandboxRequest): string | null {
  if (entry.route !== 'fetch') return null;
  return /\/pis\/v2\/payments\/([^/?]+)/.exec(entry.url)?.[1] ?? null;
}

/** Reads (`fetch` entries) per session id. */
export function readsPerSession(log: readonly SandboxRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of log) {
    const session = fetchedSession(entry);
    if (session) counts.set(session, (counts.get(session) ?? 0) + 1);
  }
  return counts;
}

/** True when the log still holds everything since `sinceMs` (its oldest entry is older, or it never filled). */
export function coversSince(log: readonly SandboxRequest[], sinceMs: number, limit = 20_000): boolean {
  return log.length < limit || Date.parse(log[0]!.at) < sinceMs;
}
