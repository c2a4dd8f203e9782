import { readShowsChange } from '../../domain/activity-facts';
import {
  cancelRefusal,
  createFailureReason,
  createProvedUnique,
  finalStateReason,
  isAwaitingPayee,
  isWatchedWait,
  linkDeadlineAt,
  nextPollDelayMs,
  waitDeadlineMs,
  watchDelaySeconds,
  watchReadDelaysSeconds,
} from '../../domain/payout-decisions';
import {
  INITIAL_PAYOUT_STATUS,
  payoutSearchStatus,
  scenarioFromLabel,
  scenarioLabel,
} from '../../domain/search-attributes';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const settings = { pollDelaysSeconds: [30, 60, 300], maxWaitSeconds: 3600 };
const iso = (ms: number) => new Date(ms).toISOString();

describe('when to look next', () => {
  it('follows the poll schedule, repeating its last delay', () => {
    const clock = { pollIndex: 0, waitStartedAt: iso(NOW), linkDeadline: null };
    expect(nextPollDelayMs(clock, settings, NOW)).toBe(30_000);
    expect(nextPollDelayMs({ ...clock, pollIndex: 1 }, settings, NOW)).toBe(60_000);
    expect(nextPollDelayMs({ ...clock, pollIndex: 9 }, settings, NOW)).toBe(300_000);
  });

  it('never sleeps past the deadline, and not at all once it passed', () => {
    const clock = { pollIndex: 2, waitStartedAt: iso(NOW - 3590_000), linkDeadline: null };
    expect(nextPollDelayMs(clock, settings, NOW)).toBe(10_000);
    expect(nextPollDelayMs(clock, settings, NOW + 20_000)).toBe(0);
  });

  it('the link deadline, while set, replaces the transfer wait', () => {
    const linkDeadline = linkDeadlineAt(NOW, 600, 60);
    expect(linkDeadline).toBe(iso(NOW + 660_000));
    expect(waitDeadlineMs({ pollIndex: 0, waitStartedAt: iso(NOW), linkDeadline }, settings, NOW)).toBe(
      NOW + 660_000,
    );
    expect(waitDeadlineMs({ pollIndex: 0, waitStartedAt: iso(NOW), linkDeadline: null }, settings, NOW)).toBe(
      NOW + 3600_000,
    );
  });

  it('a wait with no start yet counts from now', () => {
    expect(waitDeadlineMs({ pollIndex: 0, waitStartedAt: null, linkDeadline: null }, settings, NOW)).toBe(
      NOW + 3600_000,
    );
  });
});

describe('watched waits: one activity whose retries are the reads', () => {
  const schedule = { pollDelaysSeconds: [30, 60, 300, 1800, 3600], quietPollSeconds: 14_400 };

  it('waiting for the payee: the schedule from where it stands, capped at the quiet delay, then the quiet delay', () => {
    expect(watchReadDelaysSeconds({ pollIndex: 0 }, schedule, true)).toEqual([
      30, 60, 300, 1800, 3600, 14_400,
    ]);
    expect(watchReadDelaysSeconds({ pollIndex: 3 }, schedule, true)).toEqual([1800, 3600, 14_400]);
    expect(watchReadDelaysSeconds({ pollIndex: 9 }, schedule, true)).toEqual([3600, 14_400]);
    // A quiet delay shorter than the schedule caps it; absent, the 4-hour default.
    expect(watchReadDelaysSeconds({ pollIndex: 0 }, { ...schedule, quietPollSeconds: 60 }, true)).toEqual([
      30, 60, 60, 60, 60, 60,
    ]);
    expect(watchReadDelaysSeconds({ pollIndex: 4 }, { pollDelaysSeconds: [30, 3600] }, true)).toEqual([
      3600, 14_400,
    ]);
  });

  it('a transfer that stopped moving: the schedule from where it stands, its last delay repeating', () => {
    expect(watchReadDelaysSeconds({ pollIndex: 4 }, schedule, false)).toEqual([3600]);
    expect(watchReadDelaysSeconds({ pollIndex: 12 }, schedule, false)).toEqual([3600]);
  });

  it('the delay before each attempt: attempt n waits the n-th delay, the last one repeating', () => {
    const delays = [30, 300, 14_400];
    expect([1, 2, 3, 4, 50].map((attempt) => watchDelaySeconds(delays, attempt))).toEqual([
      30, 300, 14_400, 14_400, 14_400,
    ]);
  });

  it('is watched while the payee has not acted, or once a poll at the last delay found nothing', () => {
    expect(isWatchedWait({ pollIndex: 0 }, schedule, true)).toBe(true);
    expect(isWatchedWait({ pollIndex: 0 }, schedule, false)).toBe(false);
    expect(isWatchedWait({ pollIndex: 4 }, schedule, false)).toBe(false);
    expect(isWatchedWait({ pollIndex: 5 }, schedule, false)).toBe(true);
    expect(isWatchedWait({ pollIndex: 1 }, { pollDelaysSeconds: [1] }, false)).toBe(true);
  });

  it('a read shows a change when a status, a transfer state, its reason or an unranked value differs', () => {
    const known = {
      sessionStatus: 'iban_required',
      transferState: null,
      transferReason: null,
      unrecognised: null,
    };
    const read = {
      sessionId: 's',
      sessionStatus: 'iban_required' as const,
      transferState: null,
      transferReason: null,
      amount: null,
      currency: null,
      communication: null,
      endToEndId: null,
      executionDate: null,
      scheme: null,
    };
    expect(readShowsChange(known, read)).toBe(false);
    expect(readShowsChange(known, { ...read, sessionStatus: 'iban_received' })).toBe(true);
    expect(readShowsChange(known, { ...read, transferState: 'processing' })).toBe(true);
    expect(readShowsChange(known, { ...read, transferReason: 'aml' })).toBe(true);
    const unranked = { sessionStatus: 'payout_scheduled', transferState: null };
    expect(readShowsChange(known, { ...read, unrecognised: unranked })).toBe(true);
    // The same unranked value again is nothing new: no wake-up loop on a status we cannot rank.
    expect(readShowsChange({ ...known, unrecognised: unranked }, { ...read, unrecognised: unranked })).toBe(
      false,
    );
  });

  it('a create proved its session unique only when its first attempt created it', () => {
    expect(createProvedUnique({ kind: 'created', attempt: 1 })).toBe(true);
    expect(createProvedUnique({ kind: 'created', attempt: 2 })).toBe(false);
    expect(createProvedUnique({ kind: 'adopted', attempt: 1 })).toBe(false);
    expect(createProvedUnique({ kind: 'created' })).toBe(false);
    expect(createProvedUnique(undefined)).toBe(false);
  });
});

describe('who the payout waits for', () => {
  const fresh = { scenario: 1 as const, sessionStatus: null, transferState: null };

  it('iban_required waits for the payee in every version', () => {
    expect(isAwaitingPayee({ ...fresh, sessionStatus: 'iban_required' }, false)).toBe(true);
  });

  it('a scenario-1 session with no status yet waits for the payee only as documented', () => {
    expect(isAwaitingPayee(fresh, true)).toBe(true);
    expect(isAwaitingPayee(fresh, false)).toBe(false);
    expect(isAwaitingPayee({ ...fresh, scenario: 2 }, true)).toBe(false);
    expect(isAwaitingPayee({ ...fresh, transferState: 'processing' }, true)).toBe(false);
  });
});

describe('why a payout ended', () => {
  it('names the most specific thing Fintecture said', () => {
    const progress = {
      sessionStatus: 'payment_created' as const,
      transferState: 'rejected' as const,
      transferReason: null,
    };
    expect(finalStateReason({ ...progress, transferReason: 'insufficient_funds' }, 'REJECTED')).toBe(
      'insufficient_funds',
    );
    expect(finalStateReason(progress, 'REJECTED')).toBe('rejected');
    expect(
      finalStateReason(
        { sessionStatus: 'payment_expired', transferState: null, transferReason: null },
        'EXPIRED',
      ),
    ).toBe('payment_expired');
    expect(
      finalStateReason({ sessionStatus: null, transferState: null, transferReason: null }, 'SETTLED'),
    ).toBe('SETTLED');
  });

  it('a failed create is unconfirmed exactly when it may have been applied', () => {
    expect(createFailureReason({ type: 'Timeout:START_TO_CLOSE', mayHaveBeenApplied: true })).toBe(
      'create_unconfirmed:Timeout:START_TO_CLOSE',
    );
    expect(createFailureReason({ type: 'FintectureValidationFailed', mayHaveBeenApplied: false })).toBe(
      'create_failed:FintectureValidationFailed',
    );
  });

  it('a refused cancel says why, with statuses only', () => {
    expect(
      cancelRefusal({ outcome: 'SETTLED', sessionStatus: 'payment_created', transferState: 'sent' }),
    ).toBe('The payout is already finished (SETTLED)');
    expect(cancelRefusal({ outcome: null, sessionStatus: 'payment_created', transferState: null })).toBe(
      'The payout can no longer be cancelled: money is on its way (session payment_created, transfer none)',
    );
  });
});

describe('the PayoutStatus search attribute', () => {
  it('is CREATING, then AWAITING_PAYEE or IN_PROGRESS, then the outcome', () => {
    expect(payoutSearchStatus({ outcome: null, creating: true, awaitingPayee: false })).toBe(
      INITIAL_PAYOUT_STATUS,
    );
    expect(payoutSearchStatus({ outcome: null, creating: false, awaitingPayee: true })).toBe(
      'AWAITING_PAYEE',
    );
    expect(payoutSearchStatus({ outcome: null, creating: false, awaitingPayee: false })).toBe('IN_PROGRESS');
    expect(payoutSearchStatus({ outcome: 'NEEDS_REVIEW', creating: true, awaitingPayee: true })).toBe(
      'NEEDS_REVIEW',
    );
  });

  it('labels scenarios both ways', () => {
    expect([scenarioLabel(1), scenarioLabel(2)]).toEqual(['link', 'verified']);
    expect([scenarioFromLabel('link'), scenarioFromLabel('verified'), scenarioFromLabel('other')]).toEqual([
      1,
      2,
      null,
    ]);
  });
});
