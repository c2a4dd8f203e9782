import { randomBytes } from 'node:crypto';
import { ApiError, notFound } from './api-error';
import { CANCELLABLE } from './ledger';
import { documentedListItem, type SessionRead } from './representation';

/**
 * Sessions of the application that are not the client's payouts (documented profile). Fintecture's list
 * holds every session of the application (fintecture-api.md §5): pay-ins, payouts made by other systems,
 * statuses the client has never heard of. They are added at start-up and after each create, one kind after
 * the other in a fixed rotation, so tests can predict them; they have no lifecycle and send no webhooks.
 */
export const FOREIGN_KINDS = [
  /** A pay-in waiting for its payer: `PayByBank`, `order_created`. */
  'pay-in-ordered',
  /** A pay-in that received more than asked: `PayByBank`, `payment_created`, transfer `overpaid`. */
  'pay-in-overpaid',
  /** Another payout of the merchant, in a status and transfer state the docs do not list (yet). */
  'other-payout',
  /** A payout with the amount and currency of the one just created but another communication. */
  'lookalike-payout',
] as const;
export type ForeignKind = (typeof FOREIGN_KINDS)[number];

export interface ForeignSession {
  kind: ForeignKind;
  createdAt: string;
  /** What reads and lists show; static but for a cancel. */
  read: SessionRead;
}

/** A list entry that a strict parser cannot read: not a session one can fetch. */
export interface MalformedEntry {
  kind: 'malformed';
  sessionId: string;
  createdAt: string;
  item: Record<string, unknown>;
}

export type ForeignEntry = ForeignSession | MalformedEntry;

/** What a lookalike copies from the payout just created. */
export interface LookalikeSource {
  amount: string;
  currency: string;
  communication: string;
}

/** One unreadable list entry per this many sessions (payouts and foreign ones). */
export const SESSIONS_PER_MALFORMED_ENTRY = 20;

/** The start-up lookalike has no payout to copy: it copies the guide's example request. */
const GUIDE_EXAMPLE_PAYOUT: LookalikeSource = {
  amount: '26.99',
  currency: 'EUR',
  communication: 'MyShop REFUND Order 123',
};

const hex32 = () => randomBytes(16).toString('hex');
const isSession = (entry: ForeignEntry): entry is ForeignSession => entry.kind !== 'malformed';

export class ForeignSessionBook {
  private entries: ForeignEntry[] = [];
  /** Bumped on every entry added and on reset: entries never change their creation time. */
  private entriesChanged = 0;
  /** How many foreign sessions were made: picks the next kind and numbers their references. */
  private made = 0;
  private malformedMade = 0;
  private sessionsSinceMalformed = 0;

  constructor(private readonly creationTime: () => number) {}

  /** One session of each kind, as an application that has been running for a while would hold. */
  seed(): void {
    for (let i = 0; i < FOREIGN_KINDS.length; i++) this.addNext(GUIDE_EXAMPLE_PAYOUT);
  }

  /** Called after each successful create of the documented profile, with what the client asked for. */
  afterCreate(payout: LookalikeSource): void {
    this.countSession(); // the payout itself
    this.addNext(payout);
  }

  /** A readable foreign session (a malformed entry is not one). */
  get(sessionId: string): ForeignSession | undefined {
    return this.entries.filter(isSession).find((session) => session.read.sessionId === sessionId);
  }

  /** Changes whenever `list()` would hold other entries. */
  get entriesVersion(): number {
    return this.entriesChanged;
  }

  /** Oldest first. */
  list(): ForeignEntry[] {
    return [...this.entries];
  }

  /** A client that mistook a foreign session for its own may try to cancel it: allowed as for any payout. */
  cancel(sessionId: string): ForeignSession {
    const session = this.get(sessionId);
    if (!session) throw notFound(`No payment session ${sessionId}`);
    if (!(CANCELLABLE as readonly string[]).includes(session.read.status)) {
      throw new ApiError(400, [
        {
          code: 'invalid_status',
          title: 'Bad Request',
          message: `The payment cannot be cancelled: session status is ${session.read.status}`,
        },
      ]);
    }
    session.read.status = 'payment_cancelled';
    session.read.attributes.transfer_state = 'cancelled';
    session.read.attributes.transfer_reason = 'api_cancellation';
    return session;
  }

  /** Forgets everything and seeds again, in the same order as at start-up. */
  reset(): void {
    this.entries = [];
    this.entriesChanged += 1;
    this.made = 0;
    this.malformedMade = 0;
    this.sessionsSinceMalformed = 0;
    this.seed();
  }

  private addNext(source: LookalikeSource): void {
    const n = this.made++;
    const kind = FOREIGN_KINDS[n % FOREIGN_KINDS.length]!;
    const createdAt = new Date(this.creationTime());
    this.entries.push({
      kind,
      createdAt: createdAt.toISOString(),
      read: foreignRead(kind, n, createdAt, source),
    });
    this.entriesChanged += 1;
    this.countSession();
  }

  private countSession(): void {
    this.sessionsSinceMalformed += 1;
    if (this.sessionsSinceMalformed < SESSIONS_PER_MALFORMED_ENTRY) return;
    this.sessionsSinceMalformed = 0;
    const createdAt = new Date(this.creationTime()).toISOString();
    const sessionId = hex32();
    this.entries.push({
      kind: 'malformed',
      sessionId,
      createdAt,
      item: malformedItem(this.malformedMade++, sessionId),
    });
    this.entriesChanged += 1;
  }
}

function foreignRead(kind: ForeignKind, n: number, createdAt: Date, source: LookalikeSource): SessionRead {
  const sessionId = hex32();
  const reference = `F${String(n + 1).padStart(5, '0')}`;
  const day = createdAt.toISOString().slice(0, 10);
  // Keys in the guide's order; the cases below override values, which keeps their place.
  const base = { amount: amountFor(n), currency: 'EUR', communication: '', end_to_end_id: hex32() };
  switch (kind) {
    case 'pay-in-ordered':
      return {
        sessionId,
        type: 'PayByBank',
        status: 'order_created',
        attributes: { ...base, communication: `Order ${reference}` },
      };
    case 'pay-in-overpaid':
      return {
        sessionId,
        type: 'PayByBank',
        status: 'payment_created',
        customerId: hex32(),
        attributes: {
          ...base,
          communication: `Invoice ${reference}`,
          execution_date: day,
          payment_scheme: 'SEPA',
          transfer_state: 'overpaid',
        },
      };
    case 'other-payout':
      return {
        sessionId,
        type: 'RequestForPayout',
        status: 'payout_scheduled',
        attributes: {
          ...base,
          currency: n % 2 === 0 ? 'EUR' : 'GBP',
          communication: `Supplier payout ${reference}`,
          execution_date: day,
          payment_scheme: 'INSTANT_SEPA',
          transfer_state: 'returned',
        },
      };
    case 'lookalike-payout':
      return {
        sessionId,
        type: 'RequestForPayout',
        status: 'iban_required',
        attributes: {
          ...base,
          amount: source.amount,
          currency: source.currency,
          communication: nearMiss(source.communication),
        },
      };
  }
}

/** Varied but reproducible amounts, 10.00 to 909.99. */
function amountFor(n: number): string {
  return (((n * 7919) % 90_000) / 100 + 10).toFixed(2);
}

/**
 * The same text with its last word changed character by character (`REFUND Order 123` → `REFUND Order 234`):
 * another order's payout of the same amount, written by the same shop. Same length, so it always fits.
 */
function nearMiss(communication: string): string {
  const cut = communication.lastIndexOf(' ') + 1;
  return communication.slice(0, cut) + [...communication.slice(cut)].map(nextCharacter).join('');
}

function nextCharacter(character: string): string {
  for (const range of ['ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz', '0123456789']) {
    const index = range.indexOf(character);
    if (index >= 0) return range[(index + 1) % range.length]!;
  }
  return character;
}

/** Alternates between a missing `meta` and `attributes` that is a string. */
function malformedItem(n: number, sessionId: string): Record<string, unknown> {
  if (n % 2 === 0) {
    return {
      id: sessionId,
      type: 'payments',
      attributes: {
        amount: amountFor(n + 1000),
        currency: 'EUR',
        communication: 'Order ?',
        end_to_end_id: hex32(),
      },
    };
  }
  return {
    id: sessionId,
    type: 'payments',
    attributes: 'unavailable',
    meta: { session_id: sessionId, status: 'payment_created', type: 'PayByBank' },
  };
}

/** One foreign entry as `GET /pis/v2/payments` lists it. */
export function foreignListItem(entry: ForeignEntry): unknown {
  return entry.kind === 'malformed' ? entry.item : documentedListItem(entry.read);
}

/** `GET /_sandbox/foreign`: the sandbox's own view, with the exact list item. */
export function foreignControlView(entry: ForeignEntry) {
  if (entry.kind === 'malformed') {
    return {
      sessionId: entry.sessionId,
      kind: entry.kind,
      createdAt: entry.createdAt,
      readable: false,
      listItem: entry.item,
    };
  }
  const { read } = entry;
  return {
    sessionId: read.sessionId,
    kind: entry.kind,
    createdAt: entry.createdAt,
    readable: true,
    type: read.type,
    status: read.status,
    transferState: read.attributes.transfer_state ?? null,
    amount: read.attributes.amount,
    currency: read.attributes.currency,
    communication: read.attributes.communication,
    endToEndId: read.attributes.end_to_end_id,
    listItem: documentedListItem(read),
  };
}
