import { FintectureNotFoundError } from './fintecture/errors';
import { type FintectureApi, type PaymentRecord } from './fintecture/client';
import { carriesReference, squeezeCommunication, type PayoutReferences } from './payout-references';

/**
 * Finding an order's Fintecture sessions again, with nothing undocumented (fintecture-api.md §5, §10): no
 * filter, page size or page count is trusted, and neither is our `end_to_end_id` (Fintecture may keep its
 * own). A session is the order's when it is a payout whose `communication` carries the order's reference.
 */

export type SessionSearchResult =
  /** The whole list was read: `candidates` are all of the order's sessions. */
  | { outcome: 'complete'; candidates: PaymentRecord[]; pagesRead: number }
  /**
   * The list could not be read to its end within `maxPages`, or it would not page, or an entry we could not
   * read mentions the reference: `candidates` may be missing one, so absence is not proven.
   */
  | { outcome: 'incomplete'; candidates: PaymentRecord[]; pagesRead: number };

export interface SessionSearchOptions {
  maxPages: number;
  /** Sent as `page[size]`: a hint only, the search does not depend on it. */
  pageSizeHint: number;
  signal?: AbortSignal;
  /** Called after each page (the activity heartbeats there). */
  onPage?: (pageNumber: number) => void;
}

const STALE_PAGES_MEANING_NO_PAGING = 5;

const mayBePayout = (payment: PaymentRecord) => payment.type === null || payment.type === 'RequestForPayout';

/** A payout of this order: type `RequestForPayout` (or none given) and the order's reference. */
export function isSessionFor(references: PayoutReferences, payment: PaymentRecord): boolean {
  return mayBePayout(payment) && carriesReference(payment.communication, references);
}

/**
 * Reads `GET /pis/v2/payments` page by page to its end, matching every entry locally. The end is an empty
 * page (or a 404 past page 1); several pages in a row holding only sessions already seen mean the API
 * ignores `page[number]`, so the rest cannot be read. Sessions inserted while paging only shift entries onto later
 * pages (seen twice, never skipped), so reading to the end never misses one that existed at the start.
 */
export async function searchOrderSessions(
  client: Pick<FintectureApi, 'listPayments'>,
  references: PayoutReferences,
  options: SessionSearchOptions,
): Promise<SessionSearchResult> {
  const [result] = await searchSessionsOfOrders(client, [references], options);
  return result!;
}

/** `searchOrderSessions` for several orders at once: one read of the list, one result per order, in order. */
export async function searchSessionsOfOrders(
  client: Pick<FintectureApi, 'listPayments'>,
  orders: readonly PayoutReferences[],
  options: SessionSearchOptions,
): Promise<SessionSearchResult[]> {
  const seen = new Set<string>();
  const searches = orders.map((references) => ({
    references,
    reference: squeezeCommunication(references.communicationReference),
    candidates: new Map<string, PaymentRecord>(),
    doubtful: false,
  }));
  let staleInARow = 0;
  for (let pageNumber = 1; pageNumber <= options.maxPages; pageNumber++) {
    let page;
    try {
      page = await client.listPayments({ pageNumber, pageSize: options.pageSizeHint }, options.signal);
    } catch (error) {
      if (error instanceof FintectureNotFoundError && pageNumber > 1) return done(pageNumber - 1);
      throw error;
    }
    options.onPage?.(pageNumber);
    if (page.items.length === 0 && page.unreadable.length === 0) return done(pageNumber);
    // Pages of only known sessions, again and again: the API ignores `page[number]`, so the rest cannot be
    // read. One such page proves nothing (sessions created meanwhile shift whole pages), several in a row do.
    const fresh = page.items.filter((entry) => !seen.has(entry.sessionId));
    staleInARow = page.items.length > 0 && fresh.length === 0 ? staleInARow + 1 : 0;
    if (staleInARow >= STALE_PAGES_MEANING_NO_PAGING) {
      return searches.map((search) => ({
        outcome: 'incomplete',
        candidates: [...search.candidates.values()],
        pagesRead: pageNumber,
      }));
    }
    for (const item of fresh) seen.add(item.sessionId);
    // What the search cannot tell apart from ours: an unreadable entry that mentions the reference, or a
    // payout listed without its communication (list items are [assumed] to look like reads, §5).
    const payoutWithoutCommunication = fresh.some((item) => mayBePayout(item) && item.communication === null);
    // Each entry squeezed once, then matched against every order's reference (`isSessionFor`, unrolled).
    const payouts = fresh
      .filter((item) => mayBePayout(item) && item.communication !== null)
      .map((item) => ({ item, text: squeezeCommunication(item.communication!) }));
    for (const search of searches) {
      for (const { item, text } of payouts) {
        if (text.includes(search.reference)) search.candidates.set(item.sessionId, item);
      }
      search.doubtful ||=
        payoutWithoutCommunication ||
        page.unreadable.some((entry) => carriesReference(entry.text, search.references));
    }
  }
  return searches.map((search) => ({
    outcome: 'incomplete',
    candidates: [...search.candidates.values()],
    pagesRead: options.maxPages,
  }));

  function done(pagesRead: number): SessionSearchResult[] {
    return searches.map((search) => ({
      outcome: search.doubtful ? 'incomplete' : 'complete',
      candidates: [...search.candidates.values()],
      pagesRead,
    }));
  }
}
