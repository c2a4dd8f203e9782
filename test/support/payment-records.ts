import { type PaymentRecord } from '../../activities/fintecture/client';

let nextId = 0;

/** A payout session as the list or a read shows it (`s1`, `s2`, … unless given), for the activity unit tests. */
export function paymentRecord(overrides: Partial<PaymentRecord> = {}): PaymentRecord {
  nextId += 1;
  return {
    sessionId: `s${nextId}`,
    sessionStatus: 'iban_required',
    transferState: null,
    transferReason: null,
    amount: '1.00',
    currency: 'EUR',
    communication: null,
    endToEndId: 'fintecture-own',
    executionDate: null,
    scheme: null,
    state: null,
    connectUrl: null,
    type: 'RequestForPayout',
    unrecognised: null,
    ...overrides,
  };
}
