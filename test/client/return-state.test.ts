import { progressAnswer } from '../../client/ingress/return-page/progress-answer';
import {
  isFinalReturnPageState,
  RETURN_PAGE_STATES,
  returnPageState,
  type ReturnStateInput,
} from '../../client/ingress/return-page/return-state';
import { returnPageLanguage, returnPageTexts } from '../../client/ingress/return-page/return-texts';
import { SESSION_STATUSES, TRANSFER_STATES } from '../../domain/session-states';
import { initialPayoutView } from '../../workflows/messages';

const view = (change: Partial<ReturnStateInput> = {}): ReturnStateInput => ({
  phase: 'waiting',
  sessionStatus: 'iban_required',
  transferState: null,
  outcome: null,
  ...change,
});

describe('returnPageState: from the status view (and the redirect hint) to what the payee reads', () => {
  it('names each outcome by its final state, whatever the hint', () => {
    const expected = {
      SETTLED: 'sent',
      REJECTED: 'refused',
      EXPIRED: 'expired',
      CANCELLED: 'cancelled',
      NEEDS_REVIEW: 'review',
    } as const;
    for (const [outcome, state] of Object.entries(expected)) {
      for (const hint of [undefined, 'iban_received', 'payment_created']) {
        const actual = returnPageState(
          view({ outcome: outcome as keyof typeof expected, phase: 'finished' }),
          hint,
        );
        expect(actual).toBe(state);
        expect(isFinalReturnPageState(actual)).toBe(true);
      }
    }
  });

  it('waits for bank details until the payee acts; the redirect hint only says "received, confirming"', () => {
    expect(returnPageState(view())).toBe('awaiting_details');
    expect(returnPageState(view({ phase: 'creating', sessionStatus: null }))).toBe('awaiting_details');
    expect(returnPageState(view(), 'iban_received')).toBe('confirming');
    // Even a hint that claims the payment exists never moves the page past "confirming".
    expect(returnPageState(view(), 'payment_created')).toBe('confirming');
    // A hint that the payee did not submit, or an unknown one, changes nothing.
    for (const hint of [
      'iban_required',
      'payment_cancelled',
      'payment_unsuccessful',
      'payment_expired',
      'nonsense',
      null,
    ]) {
      expect(returnPageState(view(), hint)).toBe('awaiting_details');
    }
  });

  it('follows the workflow once it has confirmed: received, prepared, on its way', () => {
    expect(returnPageState(view({ sessionStatus: 'iban_received' }))).toBe('confirming');
    expect(returnPageState(view({ sessionStatus: 'payment_created' }))).toBe('preparing');
    expect(returnPageState(view({ sessionStatus: 'payment_created', transferState: 'initiated' }))).toBe(
      'preparing',
    );
    for (const transferState of ['processing', 'pending', 'accepted', 'sent', 'completed'] as const) {
      expect(returnPageState(view({ sessionStatus: 'payment_created', transferState }))).toBe('on_the_way');
    }
    // A rejected or blocked transfer the workflow has not concluded on yet is not "sent" and not alarming.
    for (const transferState of ['rejected', 'blocked', 'insufficient'] as const) {
      expect(returnPageState(view({ sessionStatus: 'payment_created', transferState }))).toBe('preparing');
    }
  });

  it('never says the money moved without an outcome or a transfer state, for any status and hint', () => {
    for (const sessionStatus of SESSION_STATUSES) {
      for (const hint of [undefined, ...SESSION_STATUSES]) {
        const state = returnPageState(view({ sessionStatus }), hint);
        expect(['awaiting_details', 'confirming', 'preparing']).toContain(state);
      }
    }
    for (const transferState of TRANSFER_STATES) {
      expect(['preparing', 'on_the_way']).toContain(
        returnPageState(view({ sessionStatus: 'payment_created', transferState })),
      );
    }
  });

  it('has words for every state in French and English, and falls back to English', () => {
    for (const language of ['en', 'fr'] as const) {
      for (const state of RETURN_PAGE_STATES)
        expect(returnPageTexts(language).states[state].title).not.toBe('');
    }
    expect(returnPageLanguage('FR')).toBe('fr');
    expect(returnPageLanguage('de')).toBe('en');
    expect(returnPageLanguage(null)).toBe('en');
    expect(returnPageLanguage(undefined)).toBe('en');
  });

  it('progressAnswer carries the state, finality, the expected date and the words in the order language', () => {
    const base = initialPayoutView('o-1', 'payout-o-1', 1, {
      amount: '10.00',
      currency: 'EUR',
      language: 'fr',
    });
    expect(
      progressAnswer({ ...base, phase: 'waiting', sessionStatus: 'iban_required' }, 'iban_received'),
    ).toMatchObject({
      state: 'confirming',
      final: false,
      executionDate: null,
      summary: returnPageTexts('fr').states.confirming.title,
    });
    expect(progressAnswer({ ...base, phase: 'finished', outcome: 'SETTLED' })).toMatchObject({
      state: 'sent',
      final: true,
    });
  });
});
