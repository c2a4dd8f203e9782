import { type Client, type Connection } from '@temporalio/client';
import { createPayoutService } from '../../client/payouts/payout-service';
import { fixedWindowOf } from '../../client/ingress/rate-limiting';
import { DEFAULT_PAYOUT_SETTINGS } from '../../domain/payout-settings';
import { http, metricValue, startTestIngress, type TestIngress } from '../support/ingress-harness';
import { connectTestClient, uniqueId } from '../support/temporal';

/** The per-source rate limit of the public routes (@fastify/rate-limit): its settings, then over HTTP. */

describe('fixedWindowOf', () => {
  it('keeps the sustained rate and lets a burst through per window', () => {
    expect(fixedWindowOf({ perMinute: 600, burst: 60 })).toEqual({ max: 60, timeWindowMs: 6_000 });
    expect(fixedWindowOf({ perMinute: 6000, burst: 600 })).toEqual({ max: 600, timeWindowMs: 6_000 });
    expect(fixedWindowOf({ perMinute: 60, burst: 5 })).toEqual({ max: 5, timeWindowMs: 5_000 });
  });

  it('refuses settings that could never let a request through', () => {
    expect(() => fixedWindowOf({ perMinute: 0, burst: 1 })).toThrow(RangeError);
    expect(() => fixedWindowOf({ perMinute: 60, burst: 0 })).toThrow(RangeError);
  });
});

describe('the ingress rate limit', () => {
  let client: Client;
  let connection: Connection;
  let ingress: TestIngress;

  beforeAll(async () => {
    ({ client, connection } = await connectTestClient());
    const payouts = createPayoutService({
      client,
      taskQueue: uniqueId('no-worker'),
      settings: DEFAULT_PAYOUT_SETTINGS,
    });
    ingress = await startTestIngress({
      payouts,
      rateLimit: {
        // A burst of 5 in a 5-minute window: no window ends while the test runs, however slow the machine.
        perMinute: 1,
        burst: 5,
        // Every test request comes from 127.0.0.1: a header stands in for the source address.
        key: (request) => String(request.headers['x-test-source'] ?? 'default'),
      },
    });
  });
  afterAll(async () => {
    await ingress?.close();
    await connection?.close();
  });

  const get = (path: string, source: string) =>
    http(`${ingress.baseUrl}${path}`, { headers: { 'x-test-source': source } });

  it('answers 429 with Retry-After beyond the burst, while another source and the probes are unaffected', async () => {
    const source = uniqueId('flood');
    const answers = [];
    for (let i = 0; i < 8; i++) {
      answers.push(
        await http(`${ingress.baseUrl}/webhooks/fintecture`, {
          method: 'POST',
          apiKey: null,
          headers: { 'x-test-source': source, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'state=x',
        }),
      );
    }
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const refused = answers[5]!;
    // Retry-After: the seconds until the source's window ends (at most the 300 s window).
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(300);
    expect(refused.json).toEqual({ error: 'too_many_requests', retryAfterSeconds: retryAfter });
    expect(refused.headers.get('x-ratelimit-limit')).toBeNull();
    expect(answers[0]!.headers.get('x-ratelimit-remaining')).toBeNull();

    // The order and return routes share the source's bucket.
    expect((await get('/payouts/some-order', source)).status).toBe(429);
    expect((await get('/payouts/return', source)).status).toBe(429);
    expect((await get('/no-such-route', source)).status).toBe(429); // unmatched URLs count too
    expect((await get('/healthz', source)).status).toBe(200);
    expect((await get('/metrics', source)).status).toBe(200);

    const other = await get(`/payouts/${uniqueId('order')}`, uniqueId('other'));
    expect(other.status).toBe(404);
    expect(
      await metricValue(ingress.registry, 'payout_ingress_rate_limited_total', {
        route: '/webhooks/fintecture',
      }),
    ).toBe(3);
    expect(ingress.logger.entries.filter((entry) => entry.event === 'rate_limited')).toContainEqual({
      level: 'warn',
      event: 'rate_limited',
      fields: { requestId: expect.any(String), route: '/webhooks/fintecture' },
    });
  });
});
