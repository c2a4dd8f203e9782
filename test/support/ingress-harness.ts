import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { DEFAULT_WEBHOOK_MAX_AGE_SECONDS } from '../../client/config';
import { buildIngress, type RateLimitOptions } from '../../client/ingress/server';
import { type LogFields, type Logger } from '../../client/logger';
import { type PayoutService } from '../../client/payouts/payout-service';
import { Secret } from '../../common/secret';
import { testDataConverter } from './codec';
import { testNamespace, testTemporalAddress, uniqueId } from './temporal';

/** Test doubles and plumbing for the ingress tests (test/client/). */

export const TEST_API_KEY = 'test-ingress-key-0123456789abcdef';
export const TEST_APP_ID = 'test-app-id';

/** Keeps every log line, so tests can assert what was (and was not) logged. */
export class RecordingLogger implements Logger {
  readonly entries: { level: string; event: string; fields: LogFields }[] = [];
  info(event: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'info', event, fields });
  }
  warn(event: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'warn', event, fields });
  }
  error(event: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'error', event, fields });
  }
  events(): string[] {
    return this.entries.map((entry) => entry.event);
  }
  text(): string {
    return this.entries.map((entry) => JSON.stringify(entry)).join('\n');
  }
}

export interface WebhookKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privateKeyPem: string;
  publicKeyPem: string;
}

let cachedKeys: WebhookKeys | undefined;
/** One RSA-2048 pair per test process (generating one takes a while). */
export function webhookKeys(): WebhookKeys {
  if (!cachedKeys) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    cachedKeys = {
      ...pair,
      privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
  }
  return cachedKeys;
}

export interface TestIngress {
  baseUrl: string;
  app: FastifyInstance;
  logger: RecordingLogger;
  registry: Registry;
  close(): Promise<void>;
}

export async function startTestIngress(options: {
  payouts: PayoutService;
  appId?: string;
  privateKey?: KeyObject;
  clock?: () => Date;
  returnPagePollMs?: number;
  /** The return page's merchant name (default: the ingress default). */
  merchantDisplayName?: string;
  recentEventCapacity?: number;
  /** Default: a limit no test reaches (the tests share one source address). */
  rateLimit?: RateLimitOptions;
  /** Default: any free port. */
  port?: number;
}): Promise<TestIngress> {
  const logger = new RecordingLogger();
  const registry = new Registry();
  const app = buildIngress({
    payouts: options.payouts,
    config: {
      apiKey: new Secret(TEST_API_KEY),
      webhook: {
        appId: options.appId ?? TEST_APP_ID,
        privateKey: new Secret(options.privateKey ?? webhookKeys().privateKey),
        dateToleranceSeconds: 300,
        maxAgeSeconds: DEFAULT_WEBHOOK_MAX_AGE_SECONDS,
      },
      ...(options.merchantDisplayName ? { merchantDisplayName: options.merchantDisplayName } : {}),
    },
    logger,
    registry,
    clock: options.clock,
    returnPagePollMs: options.returnPagePollMs,
    recentEventCapacity: options.recentEventCapacity,
    rateLimit: options.rateLimit ?? { perMinute: 1_000_000, burst: 100_000 },
  });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('ingress did not listen on a TCP port');
  return { baseUrl: `http://127.0.0.1:${address.port}`, app, logger, registry, close: () => app.close() };
}

/** The value of one counter/histogram series, 0 when absent. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  return (
    data.values
      .filter((value) =>
        Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
      )
      // Histograms: count observations (the `_count` series), not buckets or sums.
      .filter((value) => {
        const series = (value as { metricName?: string }).metricName;
        return series === undefined || series === `${name}_count`;
      })
      .reduce((sum, value) => sum + value.value, 0)
  );
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function http(
  url: string,
  init: RequestInit & { apiKey?: string | null } = {},
): Promise<HttpAnswer> {
  const { apiKey = TEST_API_KEY, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (apiKey !== null) headers.set('authorization', `Bearer ${apiKey}`);
  const response = await fetch(url, { ...rest, headers });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function postJson(url: string, body: unknown, init: { apiKey?: string | null } = {}) {
  return http(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  });
}

/**
 * A raw HTTP POST through node:http, which (unlike fetch) can send a header several times: the way a
 * forger would repeat one.
 */
export function rawPost(
  url: string,
  headers: OutgoingHttpHeaders,
  body: string | Buffer,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

export interface ContractWorker {
  taskQueue: string;
  stop(): Promise<void>;
}

/**
 * Runs the contract stand-in of the PayoutWorkflow (test/client/fixtures) on a fresh task queue, so the
 * ingress is tested against a real Temporal server before (and independently of) the real workflow.
 */
export async function startContractWorker(): Promise<ContractWorker> {
  const taskQueue = uniqueId('ingress-contract');
  const connection = await NativeConnection.connect({ address: testTemporalAddress() });
  const worker = await Worker.create({
    connection,
    namespace: testNamespace(),
    taskQueue,
    workflowsPath: path.join(__dirname, '../client/fixtures/contract-payout-workflow.ts'),
    dataConverter: testDataConverter(),
  });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  return {
    taskQueue,
    stop() {
      stopped ??= (async () => {
        worker.shutdown();
        await running;
        await connection.close();
      })();
      return stopped;
    },
  };
}
