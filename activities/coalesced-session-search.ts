import { type FintectureApi } from './fintecture/client';
import {
  searchSessionsOfOrders,
  type SessionSearchOptions,
  type SessionSearchResult,
} from './payout-reconciliation';
import { type PayoutReferences } from './payout-references';

/** One search waiting for its answer. */
interface Waiter {
  references: PayoutReferences;
  /** Page read (its number), or 0 while still queued behind the read under way: the activity heartbeats. */
  onPage?: (pageNumber: number) => void;
  resolve: (result: SessionSearchResult) => void;
  reject: (error: unknown) => void;
  settled: boolean;
}

/**
 * Searches of the payment list, coalesced within this worker. Without a documented filter every create and
 * every duplicate sweep reads the whole list (fintecture-api.md §5); here one read answers every search asked
 * for before it started. A search asked for while a read is under way waits for the next one, so the read
 * that answers it always began after it was asked: it sees every session committed before, which is what
 * the late-commit wait of a retried create relies on. Each search keeps its own outcome (complete,
 * incomplete) and candidates; a failed read fails every search it was answering, and each activity retries.
 */
export class CoalescedSessionSearch {
  private readonly queued: Waiter[] = [];
  private reading: Waiter[] | null = null;

  constructor(
    private readonly client: Pick<FintectureApi, 'listPayments'>,
    private readonly options: Pick<SessionSearchOptions, 'maxPages' | 'pageSizeHint'>,
  ) {}

  search(
    references: PayoutReferences,
    options: Pick<SessionSearchOptions, 'signal' | 'onPage'> = {},
  ): Promise<SessionSearchResult> {
    const { signal, onPage } = options;
    return new Promise<SessionSearchResult>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const waiter: Waiter = { references, onPage, resolve, reject, settled: false };
      signal?.addEventListener(
        'abort',
        () => {
          settle(waiter, () => reject(signal.reason));
          this.abortIfAbandoned();
        },
        { once: true },
      );
      this.queued.push(waiter);
      this.nextRead();
    });
  }

  /** Searches answered by reads so far, and reads made: the saving, for tests and the bench. */
  readonly stats = { searches: 0, reads: 0 };
  private abort: AbortController | null = null;

  private nextRead(): void {
    if (this.reading) return;
    const round = this.queued.splice(0).filter((waiter) => !waiter.settled);
    if (round.length === 0) return;
    this.reading = round;
    this.abort = new AbortController();
    this.stats.reads += 1;
    this.stats.searches += round.length;
    searchSessionsOfOrders(
      this.client,
      round.map((waiter) => waiter.references),
      {
        ...this.options,
        signal: this.abort.signal,
        onPage: (pageNumber) => {
          for (const waiter of round) if (!waiter.settled) waiter.onPage?.(pageNumber);
          for (const waiter of this.queued) if (!waiter.settled) waiter.onPage?.(0);
        },
      },
    )
      .then(
        (results) => round.forEach((waiter, index) => settle(waiter, () => waiter.resolve(results[index]!))),
        (error: unknown) => round.forEach((waiter) => settle(waiter, () => waiter.reject(error))),
      )
      .finally(() => {
        this.reading = null;
        this.abort = null;
        this.nextRead();
      });
  }

  /** Nobody waits for the read under way any more (every activity was cancelled): stop paging. */
  private abortIfAbandoned(): void {
    if (this.reading?.every((waiter) => waiter.settled)) this.abort?.abort();
  }
}

function settle(waiter: Waiter, action: () => void): void {
  if (waiter.settled) return;
  waiter.settled = true;
  action();
}
