import { type Client, type Connection } from '@temporalio/client';
import { createPayoutService } from '../../client/payouts/payout-service';
import { TokenBuckets } from '../../client/ingress/rate-limit';
import { DEFAULT_PAYOUT_SETTINGS } from '../../domain/payout-settings';
import { http, metricValue, startTestIngress, type TestIngress } from '../support/ingress-harness';
import { connectTestClient, uniqueId } from '../support/temporal';

/** The per-source token bucket of the public routes: unit tests on an injected clock, then over HTTP. */

describe('TokenBuckets', () => {
  function bucketsAt(settings: { perMinute: number; burst: number }, maxSources?: number) {
    let now = 1_000_000;
    const buckets = new TokenBuckets(settings, () => now, maxSources);
    return { buckets, advance: (ms: number) => (now += ms) };
  }

  it('lets a burst through, then refuses with the seconds until the next token', () => {
    const { buckets } = bucketsAt({ perMinute: 60, burst: 3 });
    expect([1, 2, 3].map(() => buckets.take('a').allowed)).toEqual([true, true, true]);
    expect(buckets.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('refills at the sustained rate, never above the burst', () => {
    const { buckets, advance } = bucketsAt({ perMinute: 6, burst: 2 }); // one token every 10 s
    buckets.take('a');
    buckets.take('a');
    expect(buckets.take('a')).toEqual({ allowed: false, retryAfterSeconds: 10 });
    advance(4_000);
    expect(buckets.take('a')).toEqual({ allowed: false, retryAfterSeconds: 6 });
    advance(6_000);
    expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.take('a').allowed).toBe(false);
    advance(3_600_000); // an hour idle refills to the burst only
    expect([1, 2, 3].map(() => buckets.take('a').allowed)).toEqual([true, true, false]);
  });

  it('keeps one bucket per source', () => {
    const { buckets } = bucketsAt({ perMinute: 60, burst: 1 });
    expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.take('a').allowed).toBe(false);
    expect(buckets.take('b').allowed).toBe(true);
  });

  it('remembers a bounded number of sources, forgetting the least recently seen', () => {
    const { buckets } = bucketsAt({ perMinute: 60, burst: 1 }, 2);
    buckets.take('a');
    buckets.take('b');
    buckets.take('a'); // refused, and now the most recent
    buckets.take('c'); // forgets b
    expect(buckets.size).toBe(2);
    expect(buckets.take('a').allowed).toBe(false);
    expect(buckets.take('b').allowed).toBe(true);
  });

  it('refuses settings that could never let a request through', () => {
    expect(() => new TokenBuckets({ perMinute: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBuckets({ perMinute: 60, burst: 0 })).toThrow(RangeError);
  });
});

describe('the ingress rate limit', () => {
  let client: Client;
  let connection: Connection;
  let ingress: TestIngress;
  const now = 5_000_000; // frozen: no refill during the test

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
        perMinute: 60,
        burst: 5,
        nowMs: () => now,
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
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.json).toEqual({ error: 'too_many_requests', retryAfterSeconds: 1 });

    // The order and return routes share the source's bucket.
    expect((await get('/payouts/some-order', source)).status).toBe(429);
    expect((await get('/payouts/return', source)).status).toBe(429);
    expect((await get('/healthz', source)).status).toBe(200);
    expect((await get('/metrics', source)).status).toBe(200);

    const other = await get(`/payouts/${uniqueId('order')}`, uniqueId('other'));
    expect(other.status).toBe(404);
    expect(
      await metricValue(ingress.registry, 'payout_ingress_rate_limited_total', {
        route: '/webhooks/fintecture',
      }),
    ).toBe(3);
  });
});
