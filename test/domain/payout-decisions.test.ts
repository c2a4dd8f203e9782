import {
  cancelRefusal,
  createFailureReason,
  finalStateReason,
  isAwaitingPayee,
  linkDeadlineAt,
  nextPollDelayMs,
  waitDeadlineMs,
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
