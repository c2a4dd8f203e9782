import { type FintectureApi, type PaymentRecord } from './fintecture/client';
import { type PayoutReferences } from './payout-references';

export type ReconciliationResult =
  | { outcome: 'found'; session: PaymentRecord; pagesRead: number }
  | { outcome: 'absent'; pagesRead: number }
  | { outcome: 'inconclusive'; pagesRead: number };

export interface ReconciliationOptions {
  /**
   * `quick`: one filtered call; `absent` only means "not on that page" (fine before a first attempt).
   * `full`: keeps paging, matching locally, until it finds the session or reaches the end.
   */
  mode: 'quick' | 'full';
  maxPages: number;
  pageSize: number;
  signal?: AbortSignal;
  /** Called after each page (the activity heartbeats there). */
  onPage?: (pageNumber: number) => void;
}

/** Ours if the `end_to_end_id` is ours and the `state`, when present, is ours too. */
export function isSessionFor(references: PayoutReferences, payment: PaymentRecord): boolean {
  if (payment.endToEndId !== null) {
    return (
      payment.endToEndId === references.endToEndId &&
      (payment.state === null || payment.state === references.state)
    );
  }
  return payment.state === references.state;
}

/**
 * Looks for the Fintecture session an earlier attempt may have created for these references. Sends the
 * `state`/`end_to_end_id` filters but never trusts them: the real API may ignore them, so every item is
 * matched locally and, when a page holds sessions that are not ours, the search pages on.
 */
export async function findPayoutSession(
  client: Pick<FintectureApi, 'listPayments'>,
  references: PayoutReferences,
  options: ReconciliationOptions,
): Promise<ReconciliationResult> {
  // A payment showing neither reference could be ours: its presence means absence cannot be proven.
  let unidentifiable = false;
  for (let pageNumber = 1; ; pageNumber++) {
    const page = await client.listPayments(
      { state: references.state, endToEndId: references.endToEndId, pageNumber, pageSize: options.pageSize },
      options.signal,
    );
    options.onPage?.(pageNumber);
    const session = page.items.find((item) => isSessionFor(references, item));
    if (session) return { outcome: 'found', session, pagesRead: pageNumber };
    if (options.mode === 'quick') return { outcome: 'absent', pagesRead: pageNumber };
    unidentifiable ||= page.items.some((item) => item.endToEndId === null && item.state === null);
    // An empty page is the end of the (filtered or unfiltered) list.
    const lastPage =
      page.items.length === 0 ||
      (page.totalPages !== null ? pageNumber >= page.totalPages : page.items.length < options.pageSize);
    if (lastPage) return { outcome: unidentifiable ? 'inconclusive' : 'absent', pagesRead: pageNumber };
    if (pageNumber >= options.maxPages) return { outcome: 'inconclusive', pagesRead: pageNumber };
  }
}
