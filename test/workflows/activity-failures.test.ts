import { ActivityFailure, ApplicationFailure, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { createFailureOf, failureType, refusalOf } from '../../workflows/activity-failures';
import { toActivityFailure } from '../../activities/failures';
import {
  FintectureAmbiguousOutcomeError,
  FintectureValidationError,
} from '../../activities/fintecture/errors';
import { PayoutReconciliationInconclusiveError } from '../../activities/payout-errors';

/** An activity failure as the workflow receives it, wrapping what the activity threw. */
const failed = (cause: Error) =>
  new ActivityFailure('activity failed', 'createPayoutSession', 'activity-1', undefined, undefined, cause);

const fromActivity = (error: Error) => failed(toActivityFailure(error) as ApplicationFailure);

describe('what a failed activity tells the workflow', () => {
  it('a timeout may always have been applied', () => {
    const failure = createFailureOf(
      failed(new TimeoutFailure('timed out', undefined, TimeoutType.START_TO_CLOSE)),
    );
    expect(failure).toEqual({ type: 'Timeout:START_TO_CLOSE', mayHaveBeenApplied: true });
  });

  it('the activity says whether its request may have been applied', () => {
    expect(
      createFailureOf(
        fromActivity(new FintectureAmbiguousOutcomeError('connection reset', { operation: 'create' })),
      ),
    ).toEqual({ type: 'FintectureAmbiguousOutcome', mayHaveBeenApplied: true });
    expect(createFailureOf(fromActivity(new PayoutReconciliationInconclusiveError('o-1', 500)))).toEqual({
      type: 'PayoutReconciliationInconclusive',
      mayHaveBeenApplied: true,
    });
    expect(
      createFailureOf(
        fromActivity(new FintectureValidationError(['amount'], { operation: 'create', httpStatus: 400 })),
      ),
    ).toEqual({ type: 'FintectureValidationFailed', mayHaveBeenApplied: false });
  });

  it('a failure recorded before the fact existed is judged by its type (histories still replaying)', () => {
    const recorded = (type: string) =>
      failed(ApplicationFailure.create({ type, message: 'x', details: [{}] }));
    expect(createFailureOf(recorded('FintectureAmbiguousOutcome')).mayHaveBeenApplied).toBe(true);
    expect(createFailureOf(recorded('FintectureAuthFailed')).mayHaveBeenApplied).toBe(false);
  });

  it('the fact wins over the type', () => {
    const said = failed(
      ApplicationFailure.create({
        type: 'FintectureAmbiguousOutcome',
        message: 'x',
        details: [{ mayHaveBeenApplied: false }],
      }),
    );
    expect(createFailureOf(said).mayHaveBeenApplied).toBe(false);
  });

  it('the order system refusal is read through a timeout that carries it', () => {
    const refusal = ApplicationFailure.create({
      type: 'OrderSystemRefused',
      message: 'refused',
      details: [{ attempt: 7, refused: 'https://orders.example: 503' }],
    });
    const timedOut = failed(
      new TimeoutFailure('schedule to close', undefined, TimeoutType.SCHEDULE_TO_CLOSE),
    );
    (timedOut.cause as Error).cause = refusal;
    expect(refusalOf(timedOut)).toEqual({ attempt: 7, refused: 'https://orders.example: 503' });
    expect(refusalOf(failed(new Error('bug')))).toEqual({});
    expect(failureType(new Error('plain'))).toBe('Error');
  });
});
