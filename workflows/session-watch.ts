/**
 * The watch of a watched wait (BUDGETED_QUIET_WAITING_PATCH): one `watchSession` activity whose retries are
 * the reads. It runs in the background of the wait loop: a webhook is looked at beside it (stopping it would
 * cost the server a cancellation and the workflow one more task per wake); it ends when a read shows something
 * new. Since WATCH_ENDS_WITH_ITS_WAIT_PATCH the workflow also cancels it when its wait is over (an outcome,
 * the payee acted, a look that moved the payout); before, such a watch ran on until its next read.
 */
import { CancellationScope } from '@temporalio/workflow';
import type { SessionWatchRequest } from '../domain/activity-facts';
import type { PayoutSnapshot } from '../domain/payout-session';
import type { FintectureCalls } from './activity-stubs';

export class SessionWatch {
  done = false;
  /** The read that showed something new. */
  read: PayoutSnapshot | undefined;
  /** Why it stopped otherwise (a failure that is not retried, or its cancellation). */
  failure: unknown;
  private readonly scope = new CancellationScope();

  constructor(calls: Pick<FintectureCalls, 'watchSession'>, request: SessionWatchRequest) {
    this.scope
      .run(() => calls.watchSession(request))
      .then(
        (snapshot) => void (this.read = snapshot),
        (error: unknown) => void (this.failure = error),
      )
      .finally(() => void (this.done = true));
  }

  /** Stops it (its reads would follow a schedule that no longer applies). */
  cancel(): void {
    if (!this.done) this.scope.cancel();
  }
}
