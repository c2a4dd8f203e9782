import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { TypedActivityError } from './fintecture/errors';

/**
 * What an activity throws: typed errors become `ApplicationFailure`s with an explicit `type`, their
 * retryability and, when known, the delay before the next attempt. Anything else (a bug) goes through
 * unchanged and Temporal retries it per the policy.
 */
export function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof TypedActivityError)) return error;
  return ApplicationFailure.create({
    type: error.failureType,
    message: error.message,
    nonRetryable: !error.retryable,
    details: [{ ...error.details(), mayHaveBeenApplied: error.mayHaveBeenApplied }],
    // Temporal ends the retries on a zero delay (a `Retry-After: 0` made a create final): "retry now"
    // becomes the policy's own next interval instead.
    nextRetryDelay:
      error.retryDelayMs !== undefined && error.retryDelayMs > 0 ? error.retryDelayMs : undefined,
    cause: error,
    ...(error.benign && { category: ApplicationFailureCategory.BENIGN }),
  });
}
