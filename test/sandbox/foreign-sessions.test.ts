import { CreationClock } from '../../sandbox/creation-clock';
import {
  FOREIGN_KINDS,
  ForeignSessionBook,
  SESSIONS_PER_MALFORMED_ENTRY,
  type ForeignEntry,
} from '../../sandbox/foreign-sessions';

const ours = { amount: '123.45', currency: 'GBP', communication: 'Shop REFUND payout-1' };

function book(now = () => Date.UTC(2026, 10, 30, 12)) {
  const clock = new CreationClock(now);
  const foreign = new ForeignSessionBook(() => clock.stamp());
  foreign.seed();
  return foreign;
}

const kinds = (entries: ForeignEntry[]) => entries.map((entry) => entry.kind);

describe('ForeignSessionBook', () => {
  it('seeds one session of each kind, then adds the next kind after each create, in a fixed rotation', () => {
    const foreign = book();
    expect(kinds(foreign.list())).toEqual([...FOREIGN_KINDS]);
    for (let i = 0; i < 5; i++) foreign.afterCreate(ours);
    expect(kinds(foreign.list()).slice(4)).toEqual([...FOREIGN_KINDS, FOREIGN_KINDS[0]]);
  });

  it('shapes each kind as a documented read', () => {
    const foreign = book();
    const reads = foreign.list().map((entry) => (entry.kind === 'malformed' ? undefined : entry.read));
    expect(reads.map((read) => [read?.type, read?.status, read?.attributes.transfer_state])).toEqual([
      ['PayByBank', 'order_created', undefined],
      ['PayByBank', 'payment_created', 'overpaid'],
      ['RequestForPayout', 'payout_scheduled', 'returned'],
      ['RequestForPayout', 'iban_required', undefined],
    ]);
    for (const read of reads) {
      expect(read?.sessionId).toMatch(/^[0-9a-f]{32}$/);
      expect(read?.attributes.end_to_end_id).toMatch(/^[0-9a-f]{32}$/);
      expect(Object.keys(read?.attributes ?? {}).slice(0, 4)).toEqual([
        'amount',
        'currency',
        'communication',
        'end_to_end_id',
      ]);
    }
  });

  it('copies amount and currency of the payout just created into the lookalike, never its communication', () => {
    const foreign = book();
    for (let i = 0; i < 4; i++) foreign.afterCreate(ours);
    const lookalike = foreign.list().at(-1);
    expect(lookalike?.kind).toBe('lookalike-payout');
    if (lookalike?.kind !== 'lookalike-payout') return;
    expect(lookalike.read.attributes).toMatchObject({ amount: '123.45', currency: 'GBP' });
    // Another order's payout by the same shop: same words, the last one changed, same length.
    expect(lookalike.read.attributes.communication).toBe('Shop REFUND qbzpvu-2');
    for (const communication of ['x'.repeat(140), `${'y'.repeat(130)} REF-Z9`]) {
      for (let i = 0; i < 4; i++) foreign.afterCreate({ ...ours, communication });
      const last = foreign
        .list()
        .filter((entry) => entry.kind === 'lookalike-payout')
        .at(-1);
      if (last?.kind !== 'lookalike-payout') throw new Error('expected a lookalike');
      expect(last.read.attributes.communication).toHaveLength(communication.length);
      expect(last.read.attributes.communication).not.toBe(communication);
    }
  });

  it('adds one malformed entry per 20 sessions, alternating its two forms, none readable', () => {
    const foreign = book();
    const creates = 3 * SESSIONS_PER_MALFORMED_ENTRY; // 2 sessions each, plus the 4 seeds
    for (let i = 0; i < creates; i++) foreign.afterCreate(ours);
    const malformed = foreign.list().filter((entry) => entry.kind === 'malformed');
    const sessions = 4 + 2 * creates;
    expect(malformed).toHaveLength(Math.floor(sessions / SESSIONS_PER_MALFORMED_ENTRY));
    expect(malformed.map((entry) => (entry.kind === 'malformed' ? typeof entry.item.meta : ''))).toEqual(
      expect.arrayContaining(['undefined', 'object']),
    );
    for (const entry of malformed) {
      if (entry.kind !== 'malformed') continue;
      expect(typeof entry.item.meta !== 'object' || typeof entry.item.attributes === 'string').toBe(true);
      expect(foreign.get(entry.sessionId)).toBeUndefined();
    }
  });

  it('stamps creation times strictly increasing, even on a clock that stands still', () => {
    const foreign = book(() => 1_000);
    for (let i = 0; i < 10; i++) foreign.afterCreate(ours);
    const times = foreign.list().map((entry) => Date.parse(entry.createdAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
  });

  it('cancels a cancellable session only, and reset forgets everything and seeds the same kinds again', () => {
    const foreign = book();
    const [ordered, , , lookalike] = foreign.list();
    if (ordered?.kind !== 'pay-in-ordered' || lookalike?.kind !== 'lookalike-payout')
      throw new Error('seeds');
    expect(() => foreign.cancel(ordered.read.sessionId)).toThrow(
      /cannot be cancelled: session status is order_created/,
    );
    expect(foreign.cancel(lookalike.read.sessionId).read).toMatchObject({
      status: 'payment_cancelled',
      attributes: { transfer_state: 'cancelled', transfer_reason: 'api_cancellation' },
    });
    foreign.afterCreate(ours);
    foreign.reset();
    expect(kinds(foreign.list())).toEqual([...FOREIGN_KINDS]);
    expect(foreign.get(lookalike.read.sessionId)).toBeUndefined();
  });
});
