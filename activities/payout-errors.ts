import { type FieldIssue } from '../domain/payout-request';
import { TypedActivityError } from './fintecture/errors';

/** The activity's input is not a valid payout request: no attempt can fix it. */
export class PayoutRequestInvalidError extends TypedActivityError {
  override readonly name = 'PayoutRequestInvalidError';
  readonly failureType = 'PayoutRequestInvalid';
  readonly retryable = false;

  constructor(readonly issues: FieldIssue[]) {
    // Paths and our own messages only: the schema's messages never repeat the value.
    super(`Invalid payout request: ${issues.map((i) => `${i.path || '(request)'} ${i.message}`).join('; ')}`);
  }

  details(): Record<string, unknown> {
    return { fields: this.issues };
  }
}

/**
 * A previous attempt may have created the payout, and the lookup could not tell (too many pages to read).
 * Non-retryable on purpose: the workflow parks the payout for review rather than risk paying twice.
 */
export class PayoutReconciliationInconclusiveError extends TypedActivityError {
  override readonly name = 'PayoutReconciliationInconclusiveError';
  readonly failureType = 'PayoutReconciliationInconclusive';
  readonly retryable = false;
  override readonly mayHaveBeenApplied = true;

  constructor(
    readonly orderId: string,
    readonly pagesRead: number,
    /** Set when several sessions carry the order's reference (which one is the payout is not ours to pick). */
    readonly sessionIds: string[] = [],
  ) {
    super(
      sessionIds.length > 1
        ? `Several Fintecture sessions carry the reference of order ${orderId}: ${sessionIds.join(', ')}`
        : `Could not establish whether order ${orderId} already has a Fintecture payout: read ${pagesRead} pages ` +
            `of payments without finding it or reaching the end`,
    );
  }

  details(): Record<string, unknown> {
    return { orderId: this.orderId, pagesRead: this.pagesRead, sessionIds: this.sessionIds };
  }
}

/** The session found for this order does not carry the requested amount/currency: a human must look. */
export class PayoutReconciliationMismatchError extends TypedActivityError {
  override readonly name = 'PayoutReconciliationMismatchError';
  readonly failureType = 'PayoutReconciliationMismatch';
  readonly retryable = false;

  constructor(
    readonly orderId: string,
    readonly sessionId: string,
  ) {
    super(
      `The Fintecture session ${sessionId} found for order ${orderId} has a different amount or currency`,
    );
  }

  details(): Record<string, unknown> {
    return { orderId: this.orderId, sessionId: this.sessionId };
  }
}

/**
 * Quiet waiting: the read showed nothing new (or this attempt only waits for its first read). Retryable, with
 * the delay until the next read: Temporal's retries are the polls, and an unchanged read adds no history.
 */
export class SessionUnchangedError extends TypedActivityError {
  override readonly name = 'SessionUnchangedError';
  readonly failureType = 'SessionUnchanged';
  readonly retryable = true;
  override readonly benign = true;
  override readonly retryDelayMs: number;

  constructor(
    readonly read: boolean,
    nextReadInMs: number,
  ) {
    super(
      `${read ? 'No change at Fintecture' : 'Waiting for the first read'}; next read in ${nextReadInMs / 1000} s`,
    );
    this.retryDelayMs = nextReadInMs;
  }

  details(): Record<string, unknown> {
    return { read: this.read, nextReadInMs: this.retryDelayMs };
  }
}
