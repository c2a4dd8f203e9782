import { DEFAULT_FINAL_STATE_SETS, type FinalStateSets } from '../../domain/final-states';
import { advance, isCancellable, outcomeOf, type PayoutProgress } from '../../domain/status-model';

const finals = DEFAULT_FINAL_STATE_SETS;
const paymentAccount: FinalStateSets = {
  sessionStatuses: ['payment_cancelled', 'payment_unsuccessful', 'payment_expired'],
  transferStates: ['received', 'rejected', 'cancelled'],
};
const at = (
  sessionStatus: PayoutProgress['sessionStatus'],
  transferState: PayoutProgress['transferState'] = null,
  transferReason: string | null = null,
): PayoutProgress => ({ sessionStatus, transferState, transferReason });

describe('advance', () => {
  it('moves forward through the scenario 1 path', () => {
    let progress = at('iban_required');
    const path = [
      at('iban_received'),
      at('payment_created', 'initiated'),
      at('payment_created', 'processing'),
      at('payment_created', 'completed'),
    ];
    for (const observed of path) {
      const step = advance(progress, observed, finals);
      expect(step.changed).toBe(true);
      expect(step.next).toEqual(observed);
      progress = step.next;
    }
  });

  it('ignores stale observations (out-of-order webhooks, lagging replicas)', () => {
    const step = advance(at('payment_created', 'processing'), at('iban_received'), finals);
    expect(step).toEqual({ next: at('payment_created', 'processing'), changed: false });
    expect(
      advance(at('payment_created', 'processing'), at('payment_created', 'initiated'), finals).changed,
    ).toBe(false);
  });

  it('allows sideways moves within a rank: an AML block that clears', () => {
    const blocked = at('payment_created', 'blocked');
    expect(advance(blocked, at('payment_created', 'processing'), finals)).toEqual({
      next: at('payment_created', 'processing'),
      changed: true,
    });
  });

  it('keeps final states sticky', () => {
    const settled = at('payment_created', 'completed');
    expect(advance(settled, at('payment_created', 'rejected', 'technical'), finals).changed).toBe(false);
    const cancelled = at('payment_cancelled', 'cancelled', 'api_cancellation');
    expect(advance(cancelled, at('payment_created', 'processing'), finals).changed).toBe(false);
  });

  it('records the transfer reason with the state that carries it', () => {
    const step = advance(
      at('payment_created', 'processing'),
      at('payment_created', 'rejected', 'insufficient_funds'),
      finals,
    );
    expect(step.next.transferReason).toBe('insufficient_funds');
  });

  it('with a payment account, completed is not final and received follows', () => {
    const completed = advance(
      at('payment_created', 'processing'),
      at('payment_created', 'completed'),
      paymentAccount,
    );
    expect(outcomeOf(completed.next, paymentAccount)).toBeNull();
    const received = advance(completed.next, at('payment_created', 'received'), paymentAccount);
    expect(received.changed).toBe(true);
    expect(outcomeOf(received.next, paymentAccount)).toBe('SETTLED');
  });
});

describe('outcomeOf', () => {
  it.each([
    [at('payment_created', 'completed'), 'SETTLED'],
    [at('payment_created', 'sent'), 'SETTLED'],
    [at('payment_created', 'received'), 'SETTLED'],
    [at('payment_created', 'rejected', 'closed_account'), 'REJECTED'],
    [at('payment_cancelled', 'cancelled', 'api_cancellation'), 'CANCELLED'],
    [at('payment_cancelled'), 'CANCELLED'],
    [at('payment_expired'), 'EXPIRED'],
    [at('payment_unsuccessful'), 'REJECTED'],
    [at('payment_created', 'blocked'), null],
    [at('iban_required'), null],
  ] as const)('%j → %s', (progress, outcome) => {
    expect(outcomeOf(progress, finals)).toBe(outcome);
  });
});

describe('isCancellable', () => {
  it('only before money leaves', () => {
    expect(isCancellable(at('iban_required'))).toBe(true);
    expect(isCancellable(at('iban_received'))).toBe(true);
    expect(isCancellable(at('payment_created', 'initiated'))).toBe(false);
    expect(isCancellable(at('payment_expired'))).toBe(false);
  });
});
