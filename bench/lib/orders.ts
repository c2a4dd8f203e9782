/** Orders as the order system sends them to the ingress (`POST /payouts`, bearer API key). */

export const BENCH_IBAN = 'FR1420041010050500013M02606';
export const BENCH_BIC = 'PSSTFRPPXXX';

export interface OrderBody {
  orderId: string;
  amount: string;
  currency: 'EUR';
  communication: string;
  payee: { name: string; email: string };
  beneficiary?: { name: string; iban: string; bic: string };
  expiresInSeconds?: number;
}

/** Scenario 2 (verified beneficiary: paid at once) or scenario 1 (the payout waits for the payee). */
export function benchOrder(orderId: string, scenario: 1 | 2): OrderBody {
  return {
    orderId,
    amount: '26.99',
    currency: 'EUR',
    communication: `Bench REFUND ${orderId}`.slice(0, 140),
    payee: { name: 'John Doe', email: 'john@doe.example' },
    ...(scenario === 2
      ? { beneficiary: { name: 'John Doe', iban: BENCH_IBAN, bic: BENCH_BIC } }
      : { expiresInSeconds: 7 * 24 * 3600 }),
  };
}

export interface StartAnswer {
  status: number;
  sessionId: string | null;
  error?: string;
}

/** `POST /payouts`; never throws (a failed start is counted, not fatal), bounded by `signal`. */
export async function postOrder(
  ingressUrl: string,
  apiKey: string,
  order: OrderBody,
  signal: AbortSignal,
): Promise<StartAnswer> {
  try {
    const response = await fetch(`${ingressUrl}/payouts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(order),
      signal: AbortSignal.any([signal, AbortSignal.timeout(60_000)]),
    });
    const text = await response.text();
    let sessionId: string | null = null;
    try {
      sessionId = (JSON.parse(text) as { sessionId?: string | null }).sessionId ?? null;
    } catch {
      // not JSON: reported through the status
    }
    return response.ok
      ? { status: response.status, sessionId }
      : { status: response.status, sessionId, error: text.slice(0, 200) };
  } catch (error) {
    return { status: 0, sessionId: null, error: error instanceof Error ? error.message : String(error) };
  }
}
