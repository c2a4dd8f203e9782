import {
  type ListPaymentsQuery,
  type PaymentPage,
  type PaymentRecord,
} from '../../activities/fintecture/client';
import { FintectureNotFoundError } from '../../activities/fintecture/errors';
import { searchOrderSessions } from '../../activities/payout-reconciliation';
import { paymentRecord } from '../support/payment-records';
import {
  carriesReference,
  communicationWithReference,
  payoutReferencesFor,
} from '../../activities/payout-references';

const ours = payoutReferencesFor('order-1');
const theirs = payoutReferencesFor('order-2');

const payment = (overrides: Partial<PaymentRecord>) =>
  paymentRecord({ communication: communicationWithReference('Refund', theirs), ...overrides });

const mine = (overrides: Partial<PaymentRecord> = {}) =>
  payment({ communication: communicationWithReference('Refund order 1', ours), ...overrides });

/**
 * A list endpoint as Fintecture may serve it: it ignores filters and `page[size]`, pages `all` with its own
 * fixed size and sends no page count.
 */
function documentedList(all: PaymentRecord[], ownPageSize = 3, unreadable: Record<number, string[]> = {}) {
  const queries: ListPaymentsQuery[] = [];
  return {
    queries,
    async listPayments(query: ListPaymentsQuery): Promise<PaymentPage> {
      queries.push(query);
      const start = (query.pageNumber - 1) * ownPageSize;
      return {
        items: all.slice(start, start + ownPageSize),
        unreadable: (unreadable[query.pageNumber] ?? []).map((text) => ({ text })),
        totalPages: null,
      };
    },
  };
}

const options = { maxPages: 10, pageSizeHint: 100 };

describe('finding an order’s sessions with documented fields only (unit)', () => {
  it('reads to the end of the list, whatever page size it asked for, and finds the session by its reference', async () => {
    const list = documentedList([
      payment({}),
      payment({}),
      payment({}),
      mine({ sessionId: 'mine' }),
      payment({}),
    ]);
    const result = await searchOrderSessions(list, ours, options);
    expect(result.outcome).toBe('complete');
    expect(result.candidates.map((c) => c.sessionId)).toEqual(['mine']);
    // Pages 1 and 2 hold sessions, page 3 is empty: the end.
    expect(result.pagesRead).toBe(3);
    expect(list.queries.map((q) => q.pageNumber)).toEqual([1, 2, 3]);
    // No filter is sent: an honoured filter on a value Fintecture does not keep would hide our session.
    expect(list.queries[0]).toEqual({ pageNumber: 1, pageSize: 100 });
  });

  it('does not take our end_to_end_id or state for proof: only the reference in the communication counts', async () => {
    const list = documentedList([
      payment({ endToEndId: ours.endToEndId, state: ours.state, sessionId: 'lookalike' }),
    ]);
    const result = await searchOrderSessions(list, ours, options);
    expect(result).toMatchObject({ outcome: 'complete', candidates: [] });
  });

  it('ignores pay-ins and sessions of the same amount with another reference', async () => {
    const list = documentedList([
      payment({ type: 'PayByBank', communication: communicationWithReference('x', ours) }),
      payment({ amount: '1.00', communication: 'Refund order 1' }),
      mine({ sessionId: 'mine', type: null }),
    ]);
    const result = await searchOrderSessions(list, ours, options);
    expect(result.candidates.map((c) => c.sessionId)).toEqual(['mine']);
  });

  it('returns every candidate: two sessions with the reference are both reported', async () => {
    const list = documentedList([
      mine({ sessionId: 'a' }),
      payment({}),
      payment({}),
      payment({}),
      mine({ sessionId: 'b' }),
    ]);
    const result = await searchOrderSessions(list, ours, options);
    expect(result.outcome).toBe('complete');
    expect(result.candidates.map((c) => c.sessionId).sort()).toEqual(['a', 'b']);
  });

  it('is incomplete when the bound is reached before the end of the list', async () => {
    const list = documentedList(Array.from({ length: 12 }, () => payment({})));
    const result = await searchOrderSessions(list, ours, { ...options, maxPages: 2 });
    expect(result).toMatchObject({ outcome: 'incomplete', candidates: [], pagesRead: 2 });
  });

  it('is incomplete when the API ignores page[number] (the same page again)', async () => {
    const first = [payment({}), payment({})];
    const list = {
      async listPayments(): Promise<PaymentPage> {
        return { items: first, unreadable: [], totalPages: null };
      },
    };
    const result = await searchOrderSessions(list, ours, options);
    // Page 1, then five pages of nothing new: one such page could be sessions created meanwhile.
    expect(result).toMatchObject({ outcome: 'incomplete', pagesRead: 6 });
  });

  it('skips unreadable entries, but one that mentions our reference makes absence unproven', async () => {
    const sessions = [payment({}), payment({})];
    const harmless = documentedList(sessions, 3, { 1: ['{"meta":null,"attributes":"PO-ZZZZZZZZZZZZ"}'] });
    expect(await searchOrderSessions(harmless, ours, options)).toMatchObject({ outcome: 'complete' });
    const suspicious = documentedList(sessions, 3, {
      1: [`{"attributes":"Refund ${ours.communicationReference}"}`],
    });
    expect(await searchOrderSessions(suspicious, ours, options)).toMatchObject({ outcome: 'incomplete' });
  });

  it('is incomplete when a payout is listed without its communication: it could be ours', async () => {
    const sessions = [payment({}), payment({ type: 'PayByBank', communication: null })];
    expect(await searchOrderSessions(documentedList(sessions), ours, options)).toMatchObject({
      outcome: 'complete',
    });
    const withoutCommunication = [...sessions, payment({ communication: null })];
    expect(await searchOrderSessions(documentedList(withoutCommunication), ours, options)).toMatchObject({
      outcome: 'incomplete',
    });
  });

  it('takes a 404 past page 1 as the end of the list, and rethrows one on page 1', async () => {
    const notFound = () => new FintectureNotFoundError({ operation: 'list', httpStatus: 404 });
    const endsWith404 = {
      async listPayments(query: ListPaymentsQuery): Promise<PaymentPage> {
        if (query.pageNumber > 1) throw notFound();
        return { items: [mine({ sessionId: 'mine' })], unreadable: [], totalPages: null };
      },
    };
    expect(await searchOrderSessions(endsWith404, ours, options)).toMatchObject({
      outcome: 'complete',
      candidates: [{ sessionId: 'mine' }],
    });
    const missing = {
      async listPayments(): Promise<PaymentPage> {
        throw notFound();
      },
    };
    await expect(searchOrderSessions(missing, ours, options)).rejects.toBeInstanceOf(FintectureNotFoundError);
  });

  it('sees every session when new ones arrive at the front while it pages (newest first)', async () => {
    const all = [payment({}), payment({}), mine({ sessionId: 'mine' }), payment({}), payment({})];
    const list = {
      async listPayments(query: ListPaymentsQuery): Promise<PaymentPage> {
        // Two new sessions land before each page: entries shift onto later pages.
        all.unshift(payment({}), payment({}));
        const start = (query.pageNumber - 1) * 3;
        return { items: all.slice(start, start + 3), unreadable: [], totalPages: null };
      },
    };
    const result = await searchOrderSessions(list, ours, options);
    expect(result.candidates.map((c) => c.sessionId)).toEqual(['mine']);
  });
});

describe('the order reference in the communication', () => {
  it('is derived from the order ID alone, fits SEPA, and is found case- and space-insensitively', () => {
    expect(payoutReferencesFor('order-1')).toEqual(ours);
    expect(ours.communicationReference).toMatch(/^PO-[A-Z2-7]{12}$/);
    expect(theirs.communicationReference).not.toBe(ours.communicationReference);
    const sent = communicationWithReference('  MyShop REFUND Order 1 ', ours);
    expect(sent).toBe(`MyShop REFUND Order 1 ${ours.communicationReference}`);
    expect(carriesReference(sent.toLowerCase(), ours)).toBe(true);
    expect(carriesReference(sent.replace('-', '- '), ours)).toBe(true);
    expect(carriesReference(sent, theirs)).toBe(false);
    expect(carriesReference(null, ours)).toBe(false);
  });
});
