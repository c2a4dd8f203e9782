import { randomBytes } from 'node:crypto';
import { ApiError } from './api-error';
import type { RuntimeSettings } from './config';
import { transferPlanFor, type TransferState, type TransferStep } from './outcomes';
import type { Beneficiary, DeliveryMethod, PayoutRequest } from './payout-request';

/** Session statuses as Fintecture names them (fintecture-api.md §9). */
export const SESSION_STATUSES = [
  'iban_required',
  'iban_received',
  'session_initiated',
  'payment_pending',
  'payment_waiting',
  'payment_unknown',
  'payment_error',
  'payment_partial',
  'provider_required',
  'sca_required',
  'payment_created',
  'payment_cancelled',
  'payment_unsuccessful',
  'payment_expired',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Before money leaves, a payout may still be cancelled (fintecture-api.md §6). */
export const CANCELLABLE: readonly SessionStatus[] = ['iban_required', 'iban_received', 'session_initiated'];

export interface HistoryEntry {
  at: string;
  status: SessionStatus;
  transferState?: TransferState;
  transferReason?: string;
}

export interface Payout {
  sessionId: string;
  customerId?: string;
  scenario: 1 | 2;
  method?: DeliveryMethod;
  request: PayoutRequest;
  endToEndId: string;
  status: SessionStatus;
  transferState?: TransferState;
  transferReason?: string;
  executionDate?: string;
  beneficiary?: Beneficiary;
  createdAt: string;
  expiresAt?: string;
  history: HistoryEntry[];
  /** Set when an outcome was forced: the automatic lifecycle no longer moves it. */
  manual: boolean;
  /** The transfer's automatic moves still to come (kept on the record so a restart resumes them). */
  pendingSteps: TransferStep[];
}

export type PayoutChange = { kind: 'status' } | { kind: 'transfer' };

export interface LedgerFilters {
  status?: string;
  state?: string;
  endToEndId?: string;
}

const hex32 = () => randomBytes(16).toString('hex');
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LedgerDeps {
  settings: () => RuntimeSettings;
  /** Called after every change of session status or transfer state (webhooks are sent from here). */
  onChange: (payout: Payout, change: PayoutChange) => void;
  /** Called after every change with all payouts, when the sandbox keeps its state in a file. */
  persist?: (payouts: Payout[]) => void;
  now?: () => number;
  /** When a new payout is created (epoch ms); defaults to `now`. */
  creationTime?: () => number;
}

export interface CreateOptions {
  /**
   * Friendly profile: keep the `end_to_end_id` of the create body. Documented profile: ignore it and
   * generate one, as the guide's answers show Fintecture doing (fintecture-api.md §4).
   */
  keepClientEndToEndId: boolean;
}

/** Every payout session and its automatic lifecycle (sandbox/README.md "Lifecycle"). */
export class PayoutLedger {
  private readonly payouts = new Map<string, Payout>();
  /** Bumped when a session is added or the ledger emptied: the only changes to which sessions exist. */
  private sessionsChanged = 0;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly now: () => number;

  constructor(private readonly deps: LedgerDeps) {
    this.now = deps.now ?? Date.now;
  }

  create(request: PayoutRequest, options: CreateOptions): Payout {
    const sessionId = hex32();
    const createdAt = new Date((this.deps.creationTime ?? this.now)());
    const payout: Payout = {
      sessionId,
      scenario: request.beneficiary ? 2 : 1,
      method: request.beneficiary ? undefined : request.method,
      request,
      endToEndId: (options.keepClientEndToEndId ? request.endToEndId : undefined) ?? hex32(),
      status: 'iban_required',
      createdAt: createdAt.toISOString(),
      history: [],
      manual: false,
      pendingSteps: [],
    };
    this.payouts.set(sessionId, payout);
    this.sessionsChanged += 1;
    if (request.beneficiary) {
      // Scenario 2: a verified beneficiary is paid at once.
      payout.beneficiary = request.beneficiary;
      payout.customerId = hex32();
      this.startPayment(payout);
    } else {
      payout.expiresAt = new Date(createdAt.getTime() + request.expirySeconds * 1000).toISOString();
      this.record(payout, { kind: 'status' });
      this.armExpiry(payout);
    }
    return payout;
  }

  get(sessionId: string): Payout | undefined {
    const payout = this.payouts.get(sessionId);
    if (payout) this.expireIfDue(payout);
    return payout;
  }

  /** Changes whenever `sessions()` would hold other sessions (creation times never change). */
  get sessionsVersion(): number {
    return this.sessionsChanged;
  }

  /** Every payout, in no particular order, as stored: read each through `get` to see a due expiry. */
  sessions(): Payout[] {
    return [...this.payouts.values()];
  }

  list(filters: LedgerFilters): Payout[] {
    const all = [...this.payouts.values()];
    all.forEach((payout) => this.expireIfDue(payout));
    return all
      .filter((p) => !filters.status || p.status === filters.status)
      .filter((p) => !filters.state || p.request.state === filters.state)
      .filter((p) => !filters.endToEndId || p.endToEndId === filters.endToEndId)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /** The payee submitted valid bank details on the payee page. */
  submitPayee(sessionId: string, beneficiary: Beneficiary): Payout {
    const payout = this.require(sessionId);
    if (payout.status !== 'iban_required') {
      throw new ApiError(409, [
        { code: 'invalid_status', title: 'Conflict', message: `session is ${payout.status}` },
      ]);
    }
    this.clearTimer(sessionId);
    payout.beneficiary = beneficiary;
    payout.customerId = hex32();
    this.transition(payout, { status: 'iban_received' });
    this.schedule(payout, this.deps.settings().stepDelayMs, () => this.startPayment(payout));
    return payout;
  }

  cancel(sessionId: string): Payout {
    const payout = this.require(sessionId);
    if (!CANCELLABLE.includes(payout.status)) {
      throw new ApiError(400, [
        {
          code: 'invalid_status',
          title: 'Bad Request',
          message: `The payment cannot be cancelled: session status is ${payout.status}${
            payout.transferState ? `, transfer state ${payout.transferState}` : ''
          }`,
        },
      ]);
    }
    this.clearTimer(sessionId);
    this.transition(payout, {
      status: 'payment_cancelled',
      transferState: 'cancelled',
      transferReason: 'api_cancellation',
    });
    return payout;
  }

  /** Control API: set a state now and stop the automatic lifecycle. */
  force(
    sessionId: string,
    target: { status?: SessionStatus; transferState?: TransferState; transferReason?: string },
  ) {
    const payout = this.require(sessionId);
    this.clearTimer(sessionId);
    payout.manual = true;
    payout.pendingSteps = [];
    this.transition(payout, target);
    return payout;
  }

  expireNow(sessionId: string): Payout {
    const payout = this.require(sessionId);
    if (payout.status !== 'iban_required') {
      throw new ApiError(409, [
        { code: 'invalid_status', title: 'Conflict', message: `session is ${payout.status}` },
      ]);
    }
    this.clearTimer(sessionId);
    this.transition(payout, { status: 'payment_expired' });
    return payout;
  }

  reset(): void {
    this.close();
    this.payouts.clear();
    this.sessionsChanged += 1;
    this.deps.persist?.([]);
  }

  /** Takes back payouts saved by an earlier run and resumes their lifecycle where it stopped. */
  restore(payouts: Payout[]): void {
    this.sessionsChanged += 1;
    for (const payout of payouts) {
      this.payouts.set(payout.sessionId, payout);
      if (payout.manual) continue;
      if (payout.status === 'iban_required') this.armExpiry(payout);
      else if (payout.status === 'iban_received') {
        this.schedule(payout, this.deps.settings().stepDelayMs, () => this.startPayment(payout));
      } else if (payout.status === 'payment_created') this.scheduleNextStep(payout);
    }
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private require(sessionId: string): Payout {
    const payout = this.get(sessionId);
    if (!payout) {
      throw new ApiError(404, [
        { code: 'not_found', title: 'Not Found', message: `No payment session ${sessionId}` },
      ]);
    }
    return payout;
  }

  private startPayment(payout: Payout): void {
    payout.executionDate = new Date(this.now()).toISOString().slice(0, 10);
    payout.pendingSteps = transferPlanFor(payout.request.amount, this.deps.settings().settlement);
    this.transition(payout, { status: 'payment_created', transferState: 'initiated' });
    this.scheduleNextStep(payout);
  }

  private scheduleNextStep(payout: Payout): void {
    const step = payout.pendingSteps[0];
    if (!step || payout.manual) return;
    const settings = this.deps.settings();
    const delay = step.wait === 'slow' ? settings.slowDelayMs : settings.stepDelayMs;
    this.schedule(payout, delay, () => {
      payout.pendingSteps.shift();
      this.transition(payout, { transferState: step.transferState, transferReason: step.transferReason });
      this.scheduleNextStep(payout);
    });
  }

  private armExpiry(payout: Payout): void {
    if (!payout.expiresAt) return;
    const due = Date.parse(payout.expiresAt) - this.now();
    this.schedule(payout, Math.min(Math.max(due, 0), MAX_TIMER_MS), () => {
      if (!this.expireIfDue(payout)) this.armExpiry(payout);
    });
  }

  /** Expiry is also checked on every read, so it holds even if a timer is late. */
  private expireIfDue(payout: Payout): boolean {
    if (payout.status !== 'iban_required' || !payout.expiresAt) return false;
    if (Date.parse(payout.expiresAt) > this.now()) return false;
    this.clearTimer(payout.sessionId);
    this.transition(payout, { status: 'payment_expired' });
    return true;
  }

  private transition(
    payout: Payout,
    target: { status?: SessionStatus; transferState?: TransferState; transferReason?: string },
  ): void {
    const statusChanged = target.status !== undefined && target.status !== payout.status;
    const transferChanged =
      target.transferState !== undefined && target.transferState !== payout.transferState;
    if (target.status) payout.status = target.status;
    if (target.transferState) payout.transferState = target.transferState;
    if (target.transferReason !== undefined || transferChanged) payout.transferReason = target.transferReason;
    if (statusChanged) this.record(payout, { kind: 'status' });
    else if (transferChanged) this.record(payout, { kind: 'transfer' });
  }

  private record(payout: Payout, change: PayoutChange): void {
    payout.history.push({
      at: new Date(this.now()).toISOString(),
      status: payout.status,
      ...(payout.transferState ? { transferState: payout.transferState } : {}),
      ...(payout.transferReason ? { transferReason: payout.transferReason } : {}),
    });
    this.deps.persist?.([...this.payouts.values()]);
    this.deps.onChange(payout, change);
  }

  private schedule(payout: Payout, delayMs: number, action: () => void): void {
    this.clearTimer(payout.sessionId);
    const timer = setTimeout(() => {
      this.timers.delete(payout.sessionId);
      action();
    }, delayMs);
    timer.unref();
    this.timers.set(payout.sessionId, timer);
  }

  private clearTimer(sessionId: string): void {
    const timer = this.timers.get(sessionId);
    if (timer) clearTimeout(timer);
    this.timers.delete(sessionId);
  }
}
