import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { ConfigError } from '../../common/config-error';
import { parseEnv } from '../../common/env-schema';
import {
  loadOrderWebhookConfig,
  orderWebhookConfigFrom,
  postOrderEvent,
  type OrderWebhookConfig,
} from '../../common/order-webhooks';
import { Secret } from '../../common/secret';
import { type OrderEvent } from '../../domain/order-events';
import { spawnService } from '../../scripts/service-process';
import { workerEnvSchema } from '../../workers/worker-config';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

const EVENT: OrderEvent = {
  type: 'payout.settled',
  timestamp: '2026-11-30T10:00:00.000Z',
  data: {
    orderId: 'o-1',
    workflowId: 'payout-o-1',
    sessionId: 'a'.repeat(32),
    scenario: 2,
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    transferState: 'completed',
    amount: '26.99',
    currency: 'EUR',
    connectUrl: null,
  },
};

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('the configuration was accepted');
}

describe('NOTIFY_WEBHOOK_* settings', () => {
  it('unset: no events', () => {
    expect(loadOrderWebhookConfig({})).toBeNull();
    expect(loadOrderWebhookConfig({ NOTIFY_WEBHOOK_URL: ' ', NOTIFY_WEBHOOK_SECRET: '' })).toBeNull();
  });

  it('one URL or a comma-separated list, with a whsec_ secret that never prints', () => {
    const config = loadOrderWebhookConfig({
      NOTIFY_WEBHOOK_URL: 'https://orders.example/hooks, http://10.0.0.2:8080/payouts',
      NOTIFY_WEBHOOK_SECRET: SECRET,
    });
    expect(config?.receivers).toEqual(['https://orders.example/hooks', 'http://10.0.0.2:8080/payouts']);
    expect(JSON.stringify(config)).not.toContain(SECRET.slice(6));
  });

  it.each([
    [{ NOTIFY_WEBHOOK_URL: 'not a url', NOTIFY_WEBHOOK_SECRET: SECRET }, 'NOTIFY_WEBHOOK_URL'],
    [
      { NOTIFY_WEBHOOK_URL: 'https://a.example,ftp://b.example', NOTIFY_WEBHOOK_SECRET: SECRET },
      'NOTIFY_WEBHOOK_URL',
    ],
    [{ NOTIFY_WEBHOOK_URL: 'https://a.example' }, 'NOTIFY_WEBHOOK_SECRET'],
    [
      { NOTIFY_WEBHOOK_URL: 'https://a.example', NOTIFY_WEBHOOK_SECRET: 'plain-secret' },
      'NOTIFY_WEBHOOK_SECRET',
    ],
    [
      { NOTIFY_WEBHOOK_URL: 'https://a.example', NOTIFY_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' },
      'NOTIFY_WEBHOOK_SECRET',
    ],
  ])('a bad value is refused, naming the setting and not its value (%o)', (env, variable) => {
    for (const load of [
      () => loadOrderWebhookConfig(env),
      () => parseEnv(workerEnvSchema, env), // parsed with the worker's other settings
    ]) {
      const error = configError(load);
      expect(error.variables).toEqual([variable]);
      expect(error.message).not.toContain('plain-secret');
    }
  });

  it('the worker process stops at start-up naming the bad setting', async () => {
    const child = spawnService('workers/main.ts', {
      PATH: process.env.PATH ?? '',
      NOTIFY_WEBHOOK_URL: 'https://orders.example/hooks',
      NOTIFY_WEBHOOK_SECRET: 'not-a-whsec-secret',
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('NOTIFY_WEBHOOK_SECRET');
    expect(stderr).not.toContain('not-a-whsec-secret');
  }, 30_000);
});

describe('postOrderEvent', () => {
  interface Seen {
    headers: IncomingHttpHeaders;
    body: string;
  }
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /** A receiver answering `status` (or never answering: `hang`), recording what it got. */
  async function receiver(answer: number | 'hang' | 'redirect') {
    const seen: Seen[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (answer === 'hang') return;
        if (answer === 'redirect') res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end();
        else res.writeHead(answer).end();
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, seen };
  }

  const configFor = (urls: string[], timeoutMs = 2_000): OrderWebhookConfig =>
    orderWebhookConfigFrom(
      { NOTIFY_WEBHOOK_URL: urls, NOTIFY_WEBHOOK_SECRET: new Secret(SECRET) },
      timeoutMs,
    )!;

  it('signs with standardwebhooks: the headers verify, with the id given', async () => {
    const ok = await receiver(204);
    const results = await postOrderEvent(configFor([ok.url]), 'payout-o-1:payout.settled', EVENT);
    expect(results).toEqual([
      { receiver: expect.stringMatching(/^#1 127\.0\.0\.1:\d+$/), delivered: true, status: 204 },
    ]);
    const [request] = ok.seen;
    expect(request!.headers['webhook-id']).toBe('payout-o-1:payout.settled');
    expect(request!.headers['content-type']).toBe('application/json');
    const headers = request!.headers as Record<string, string>;
    expect(new Webhook(SECRET).verify(request!.body, headers)).toEqual(EVENT);
  });

  it('only 2xx is delivered: another status, a redirect, a timeout and a refused connection are not', async () => {
    const [refused503, redirect, hang] = await Promise.all([
      receiver(503),
      receiver('redirect'),
      receiver('hang'),
    ]);
    const closed = await receiver(204);
    const closedServer = servers.at(-1)!;
    await new Promise((resolve) => closedServer.close(resolve));
    const results = await postOrderEvent(
      configFor([refused503.url, redirect.url, hang.url, closed.url], 300),
      'id-1',
      EVENT,
    );
    expect(results.map(({ delivered, error }) => ({ delivered, error }))).toEqual([
      { delivered: false, error: 'http_503' },
      { delivered: false, error: 'http_302' },
      { delivered: false, error: 'timeout' },
      { delivered: false, error: 'connection_failed' },
    ]);
    expect(redirect.seen).toHaveLength(1);
  });

  it('`only` limits the attempt to the receivers not served yet', async () => {
    const [a, b] = await Promise.all([receiver(204), receiver(204)]);
    const results = await postOrderEvent(configFor([a.url, b.url]), 'id-2', EVENT, { only: new Set([1]) });
    expect(results).toHaveLength(1);
    expect(a.seen).toHaveLength(0);
    expect(b.seen).toHaveLength(1);
  });
});
