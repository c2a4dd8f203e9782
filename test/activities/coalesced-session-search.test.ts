import { CoalescedSessionSearch } from '../../activities/coalesced-session-search';
import {
  type ListPaymentsQuery,
  type PaymentPage,
  type PaymentRecord,
} from '../../activities/fintecture/client';
import { FintectureUnavailableError } from '../../activities/fintecture/errors';
import { communicationWithReference, payoutReferencesFor } from '../../activities/payout-references';
import { paymentRecord } from '../support/payment-records';

const PAGE = 2;

function sessionOf(orderId: string | null, sessionId?: string): PaymentRecord {
  const communication = orderId
    ? communicationWithReference(`Refund ${orderId}`, payoutReferencesFor(orderId))
    : 'Something else PO-AAAAAAAAAAAA';
  return paymentRecord({ communication, endToEndId: null, ...(sessionId ? { sessionId } : {}) });
}

/**
 * A list as Fintecture may serve it (fixed pages, no count), where each read sees the list as it stood at
 * its first page: a session committed during a read is not in it. `hold()` stops the next page until
 * released, so a test can ask for searches while a read is under way.
 */
function heldList(initial: PaymentRecord[]) {
  const sessions = [...initial];
  const queries: ListPaymentsQuery[] = [];
  let snapshot: PaymentRecord[] = [];
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  let failNext: Error | null = null;
  const signals: AbortSignal[] = [];
  return {
    sessions,
    queries,
    signals,
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = null;
      open();
    },
    failNextPage(error: Error) {
      failNext = error;
    },
    async listPayments(query: ListPaymentsQuery, signal?: AbortSignal): Promise<PaymentPage> {
      queries.push(query);
      if (signal) signals.push(signal);
      if (query.pageNumber === 1) snapshot = [...sessions];
      if (gate) await gate;
      if (failNext) {
        const error = failNext;
        failNext = null;
        throw error;
      }
      const start = (query.pageNumber - 1) * PAGE;
      return { items: snapshot.slice(start, start + PAGE), unreadable: [], totalPages: null };
    },
  };
}

const options = { maxPages: 50, pageSizeHint: 100 };
const ids = (candidates: PaymentRecord[]) => candidates.map((candidate) => candidate.sessionId).sort();
const readsStarted = (list: ReturnType<typeof heldList>) =>
  list.queries.filter((query) => query.pageNumber === 1).length;

describe('coalesced searches of the payment list (unit)', () => {
  it('answers searches asked together with one read of the list, each with its own order’s sessions', async () => {
    const list = heldList([sessionOf('a', 'sa'), sessionOf(null), sessionOf('b', 'sb'), sessionOf(null)]);
    const searches = new CoalescedSessionSearch(list, options);
    list.hold();
    const first = searches.search(payoutReferencesFor('a'));
    const second = searches.search(payoutReferencesFor('b'));
    const third = searches.search(payoutReferencesFor('c'));
    list.release();
    const [a, b, c] = await Promise.all([first, second, third]);
    expect(a).toMatchObject({ outcome: 'complete' });
    expect(ids(a.candidates)).toEqual(['sa']);
    expect(ids(b.candidates)).toEqual(['sb']);
    expect(c).toMatchObject({ outcome: 'complete', candidates: [] });
    // The first search started a read at once; the other two joined the next one: two reads, not three.
    expect(readsStarted(list)).toBe(2);
    expect(searches.stats).toEqual({ searches: 3, reads: 2 });
  });

  it('answers a search asked during a read with a read that began after it: a session committed meanwhile is found', async () => {
    const list = heldList([sessionOf(null), sessionOf(null), sessionOf(null)]);
    const searches = new CoalescedSessionSearch(list, options);
    list.hold();
    const early = searches.search(payoutReferencesFor('late'));
    // The read under way has taken its view of the list; then a late create commits, then its search is asked.
    list.sessions.push(sessionOf('late', 'committed-late'));
    const asked = searches.search(payoutReferencesFor('late'));
    list.release();
    expect((await early).candidates).toEqual([]);
    expect(ids((await asked).candidates)).toEqual(['committed-late']);
  });

  it('fails every search of a failed read, and reads again for the next one', async () => {
    const list = heldList([sessionOf('a', 'sa')]);
    const searches = new CoalescedSessionSearch(list, options);
    list.hold();
    const pending = searches.search(payoutReferencesFor('a'));
    const unavailable = new FintectureUnavailableError('answered 503', {
      operation: 'list',
      httpStatus: 503,
    });
    list.failNextPage(unavailable);
    list.release();
    await expect(pending).rejects.toBe(unavailable);
    const again = await searches.search(payoutReferencesFor('a'));
    expect(ids(again.candidates)).toEqual(['sa']);
  });

  it('tells a queued search the read ahead of it is alive (page 0), so its activity can heartbeat', async () => {
    const list = heldList([sessionOf(null), sessionOf(null), sessionOf(null)]);
    const searches = new CoalescedSessionSearch(list, options);
    const firstPages: number[] = [];
    const queuedPages: number[] = [];
    list.hold();
    const first = searches.search(payoutReferencesFor('a'), { onPage: (page) => firstPages.push(page) });
    const queued = searches.search(payoutReferencesFor('b'), { onPage: (page) => queuedPages.push(page) });
    list.release();
    await Promise.all([first, queued]);
    expect(firstPages).toEqual([1, 2, 3]);
    // Page 0 while the first read ran, then its own read's pages.
    expect(queuedPages).toEqual([0, 0, 0, 1, 2, 3]);
  });

  it('rejects a cancelled search with its reason, and stops the read once nobody waits for it', async () => {
    const list = heldList([sessionOf(null), sessionOf(null), sessionOf(null)]);
    const searches = new CoalescedSessionSearch(list, options);
    const cancelled = new AbortController();
    list.hold();
    const pending = searches.search(payoutReferencesFor('a'), { signal: cancelled.signal });
    const reason = new Error('activity cancelled');
    cancelled.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(list.signals[0]?.aborted).toBe(true);
    list.release();
    // The worker goes on searching for others afterwards.
    const next = await searches.search(payoutReferencesFor('b'));
    expect(next.outcome).toBe('complete');
  });
});
