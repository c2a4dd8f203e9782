/** Transfer states as Fintecture names them (fintecture-api.md §9). */
export type TransferState =
  | 'initiated'
  | 'processing'
  | 'pending'
  | 'authorized'
  | 'accepted'
  | 'multi-signature'
  | 'blocked'
  | 'insufficient'
  | 'completed'
  | 'sent'
  | 'received'
  | 'rejected'
  | 'cancelled';

export const TRANSFER_STATES: readonly TransferState[] = [
  'initiated',
  'processing',
  'pending',
  'authorized',
  'accepted',
  'multi-signature',
  'blocked',
  'insufficient',
  'completed',
  'sent',
  'received',
  'rejected',
  'cancelled',
];

/** One automatic move of a transfer, taken after the step delay or the slow delay. */
export interface TransferStep {
  transferState: TransferState;
  transferReason?: string;
  wait: 'step' | 'slow';
}

/** Amounts that select an outcome, so tests and demos can reach every path (listed in sandbox/README.md). */
const REJECTIONS: Record<string, string> = {
  '400.01': 'insufficient_funds',
  '400.02': 'incorrect_account_number',
  '400.03': 'closed_account',
  '400.04': 'blocked_account',
  '400.05': 'invalid_bic',
  '400.06': 'fraud_suspected',
  '400.07': 'technical',
};

export function normalizeAmount(amount: string): string {
  return Number(amount).toFixed(2);
}

/**
 * The moves a transfer makes after it was `initiated`. `settlement: 'received'` models a merchant with a
 * Fintecture payment account, where `completed` is not yet final and funds end `received`.
 */
export function transferPlanFor(amount: string, settlement: 'completed' | 'received'): TransferStep[] {
  const settle: TransferStep[] = [{ transferState: 'completed', wait: 'step' }];
  if (settlement === 'received') settle.push({ transferState: 'received', wait: 'step' });
  const key = normalizeAmount(amount);
  const reason = REJECTIONS[key];
  if (reason) {
    return [
      { transferState: 'processing', wait: 'step' },
      { transferState: 'rejected', transferReason: reason, wait: 'step' },
    ];
  }
  switch (key) {
    case '402.00': // AML review that clears after a while
      return [
        { transferState: 'blocked', wait: 'step' },
        { transferState: 'processing', wait: 'slow' },
        ...settle,
      ];
    case '408.00': // slow settlement
      return [
        { transferState: 'processing', wait: 'step' },
        { ...settle[0]!, wait: 'slow' },
        ...settle.slice(1),
      ];
    case '409.00': // blocked for good: only a forced outcome moves it
      return [{ transferState: 'blocked', wait: 'step' }];
    case '202.00':
      return [
        { transferState: 'processing', wait: 'step' },
        { transferState: 'sent', wait: 'step' },
      ];
    default:
      return [{ transferState: 'processing', wait: 'step' }, ...settle];
  }
}
