import { badRequest } from './api-error';
import type { SandboxContext } from './context';
import { foreignListItem } from './foreign-sessions';
import { documentedListItem, paymentListItem, payoutRead } from './representation';

/**
 * `GET /pis/v2/payments`, per profile. No Fintecture page shows this answer (fintecture-api.md §5), so the
 * documented profile gives the least a client could get: every session of the application, newest first,
 * in pages of a size the client does not choose, without a page count, and without filtering.
 */

function pageParam(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw badRequest('invalid_field', `The value or format of field [${name}] is incorrect: 1 to ${max}`);
  }
  return value;
}

const pageNumber = (url: URL) => pageParam(url, 'page[number]', 1, 1_000_000);

/** Friendly: filters honoured (state and end_to_end_id unless `listFilters: ignored`), `page[size]`, page count. */
export function friendlyPaymentList(ctx: SandboxContext, url: URL) {
  const q = url.searchParams;
  const honour = ctx.settings.listFilters === 'honoured';
  const matches = ctx.ledger.list({
    status: q.get('filter[status]') ?? undefined,
    state: honour ? (q.get('filter[state]') ?? undefined) : undefined,
    endToEndId: honour ? (q.get('filter[end_to_end_id]') ?? undefined) : undefined,
  });
  const size = pageParam(url, 'page[size]', 20, 100);
  const number = pageNumber(url);
  const totalPages = Math.max(1, Math.ceil(matches.length / size));
  return {
    meta: { total: matches.length, totalPages, page: number, size },
    data: matches.slice((number - 1) * size, number * size).map(paymentListItem),
  };
}

interface ListEntry {
  createdAt: string;
  /** Rendered when its page is served, so it shows the session as it is then. */
  item: () => unknown;
}

interface ListOrder {
  ledgerVersion: number;
  foreignVersion: number;
  entries: ListEntry[];
}

/**
 * The documented list's order, built again only when a session was added: re-sorting every session for every
 * page made the sandbox, not the client, the bottleneck of a 10 000-payout run (a list read there is 200+
 * pages over 20 000+ entries).
 */
const listOrders = new WeakMap<SandboxContext['ledger'], ListOrder>();

function newestFirst(ctx: SandboxContext): ListEntry[] {
  const { ledger, foreign } = ctx;
  const known = listOrders.get(ledger);
  if (known?.ledgerVersion === ledger.sessionsVersion && known.foreignVersion === foreign.entriesVersion) {
    return known.entries;
  }
  const entries: ListEntry[] = [
    ...ledger.sessions().map((payout) => ({
      createdAt: payout.createdAt,
      // Through `get`: a session whose link is past its expiry is shown expired, as a single read shows it.
      item: (): unknown => documentedListItem(payoutRead(ledger.get(payout.sessionId) ?? payout)),
    })),
    ...foreign.list().map((entry) => ({ createdAt: entry.createdAt, item: () => foreignListItem(entry) })),
  ];
  // Creation times are strictly increasing (CreationClock), so this is one exact order.
  entries.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  listOrders.set(ledger, {
    ledgerVersion: ledger.sessionsVersion,
    foreignVersion: foreign.entriesVersion,
    entries,
  });
  return entries;
}

/** Documented: our payouts and the foreign sessions mixed, newest first; `{"data":[]}` past the end. */
export function documentedPaymentList(ctx: SandboxContext, url: URL) {
  const size = ctx.settings.listPageSize;
  const number = pageNumber(url);
  return {
    data: newestFirst(ctx)
      .slice((number - 1) * size, number * size)
      .map((entry) => entry.item()),
  };
}
