/**
 * What a failed activity tells the workflow, as facts: its type (for operators; never the message, which may
 * say too much), whether the request may have been applied, and what the order system's last refusal said.
 * The activities put these facts in the failure's details (activities/failures.ts).
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { CreateFailure } from '../domain/payout-decisions';

/** Failure types recorded before activities said `mayHaveBeenApplied` (histories still replaying). */
const MAY_HAVE_BEEN_APPLIED_BEFORE_THE_FACT = [
  'FintectureAmbiguousOutcome',
  'PayoutReconciliationInconclusive',
];

/** The failure's type: `ApplicationFailure.type`, `Timeout:<kind>`, or the error's class name. */
export function failureType(error: unknown): string {
  if (error instanceof ActivityFailure) {
    if (error.cause instanceof ApplicationFailure) return error.cause.type ?? 'ApplicationFailure';
    if (error.cause instanceof TimeoutFailure) return `Timeout:${error.cause.timeoutType}`;
  }
  return error instanceof Error ? error.name : 'unknown';
}

/** The first details object of the ApplicationFailure behind `error` (a timeout carries the last one). */
function detailsOf(error: unknown): Record<string, unknown> {
  let cause: unknown = error instanceof ActivityFailure ? error.cause : undefined;
  for (
    let depth = 0;
    depth < 3 && cause instanceof Error && !(cause instanceof ApplicationFailure);
    depth++
  ) {
    cause = cause.cause;
  }
  const [details] = cause instanceof ApplicationFailure ? (cause.details ?? []) : [];
  return details && typeof details === 'object' ? (details as Record<string, unknown>) : {};
}

/** A failed create: a timeout may always have been applied; otherwise the activity says. */
export function createFailureOf(error: unknown): CreateFailure {
  const type = failureType(error);
  if (error instanceof ActivityFailure && error.cause instanceof TimeoutFailure) {
    return { type, mayHaveBeenApplied: true };
  }
  const said = detailsOf(error).mayHaveBeenApplied;
  return {
    type,
    mayHaveBeenApplied:
      typeof said === 'boolean' ? said : MAY_HAVE_BEEN_APPLIED_BEFORE_THE_FACT.includes(type),
  };
}

/**
 * What `notifyOrderSystem`'s last refusal said (the attempt and the receivers that refused), also when the
 * retry budget ran out: the timeout then carries the last refusal as its cause.
 */
export function refusalOf(error: unknown): { attempt?: number; refused?: string } {
  const { attempt, refused } = detailsOf(error);
  return {
    ...(typeof attempt === 'number' ? { attempt } : {}),
    ...(typeof refused === 'string' ? { refused } : {}),
  };
}
