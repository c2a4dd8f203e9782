import {
  type ListPaymentsQuery,
  type PaymentPage,
  type PaymentRecord,
} from '../../activities/fintecture/client';
import { findPayoutSession } from '../../activities/payout-reconciliation';
import { payoutReferencesFor } from '../../activities/payout-references';

const ours = payoutReferencesFor('order-1');

function payment(overrides: Partial<PaymentRecord>): PaymentRecord {
  return {
    sessionId: 'other',
    sessionStatus: 'iban_required',
    transferState: null,
    transferReason: null,
    amount: '1.00',
    currency: 'EUR',
    communication: null,
    endToEndId: 'someone-else',
    executionDate: null,
    scheme: null,
    state: null,
    connectUrl: null,
    ...overrides,
  };
}

/** A list endpoint that ignores filters and serves `all` in pages. */
function unfilteredList(all: PaymentRecord[], withTotalPages = true) {
  const queries: ListPaymentsQuery[] = [];
  return {
    queries,
    async listPayments(query: ListPaymentsQuery): Promise<PaymentPage> {
      queries.push(query);
      const start = (query.pageNumber - 1) * query.pageSize;
      return {
        items: all.slice(start, start + query.pageSize),
        totalPages: withTotalPages ? Math.ceil(all.length / query.pageSize) : null,
      };
    },
  };
}

const options = { mode: 'full' as const, maxPages: 10, pageSize: 2 };

describe('finding the session an earlier attempt may have created (unit)', () => {
  it('sends the filters, and matches locally by end-to-end ID across pages', async () => {
    const list = unfilteredList([
      payment({}),
      payment({}),
      payment({}),
      payment({ sessionId: 'mine', endToEndId: ours.endToEndId }),
    ]);
    const result = await findPayoutSession(list, ours, options);
    expect(result).toMatchObject({ outcome: 'found', session: { sessionId: 'mine' }, pagesRead: 2 });
    expect(list.queries[0]).toEqual({
      state: ours.state,
      endToEndId: ours.endToEndId,
      pageNumber: 1,
      pageSize: 2,
    });
  });

  it('does not take a session with our end-to-end ID but another state', async () => {
    const list = unfilteredList([payment({ endToEndId: ours.endToEndId, state: 'payout-other' })]);
    expect((await findPayoutSession(list, ours, options)).outcome).toBe('absent');
  });

  it('matches on state when the end-to-end ID is not shown', async () => {
    const list = unfilteredList([payment({ sessionId: 'mine', endToEndId: null, state: ours.state })]);
    expect(await findPayoutSession(list, ours, options)).toMatchObject({ outcome: 'found' });
  });

  it('finds the end without totalPages: a short page is the last', async () => {
    const list = unfilteredList([payment({}), payment({}), payment({})], false);
    expect(await findPayoutSession(list, ours, options)).toEqual({ outcome: 'absent', pagesRead: 2 });
  });

  it('is inconclusive at the page limit', async () => {
    const list = unfilteredList(Array.from({ length: 9 }, () => payment({})));
    expect(await findPayoutSession(list, ours, { ...options, maxPages: 3 })).toEqual({
      outcome: 'inconclusive',
      pagesRead: 3,
    });
  });

  it('is inconclusive, not absent, when a payment shows neither reference (it could be ours)', async () => {
    const list = unfilteredList([payment({}), payment({ endToEndId: null, state: null })]);
    expect((await findPayoutSession(list, ours, options)).outcome).toBe('inconclusive');
  });

  it('reads one page only in quick mode (first attempt)', async () => {
    const list = unfilteredList([
      payment({}),
      payment({}),
      payment({ sessionId: 'mine', endToEndId: ours.endToEndId }),
    ]);
    expect(await findPayoutSession(list, ours, { ...options, mode: 'quick' })).toEqual({
      outcome: 'absent',
      pagesRead: 1,
    });
    expect(list.queries).toHaveLength(1);
  });
});
