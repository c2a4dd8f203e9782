import { randomUUID } from 'node:crypto';
import { ApplicationFailure, type LogLevel, type LogMetadata, type Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { FintectureClient } from '../../activities/fintecture/client';
import { type Clock } from '../../activities/fintecture/clock';
import { type FintectureConfig, loadFintectureConfig } from '../../activities/fintecture/config';
import { createPayoutActivities } from '../../activities/payout-activities';
import { buildCreatePayoutCall } from '../../activities/payout-create-request';
import { payoutReferencesFor } from '../../activities/payout-references';
import { parsePayoutRequest, type PayoutRequestInput } from '../../domain/payout-request';
import { type SandboxProcess, startSandboxProcess } from '../support/sandbox-process';
import { FOREIGN_KINDS, type ForeignKind } from '../../sandbox/foreign-sessions';
import { type SandboxForeignSession } from '../support/sandbox-foreign';

/** A logger that keeps every line, so tests can assert what was (and was not) logged. */
export class RecordingLogger implements Logger {
  readonly entries: { level: LogLevel; message: string; meta?: LogMetadata }[] = [];

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.entries.push({ level, message, meta });
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }

  /** Each entry as printed, errors in the metadata expanded (message, stack, details, causes). */
  lines(): string[] {
    return this.entries.map(
      (entry) =>
        `${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {}, (_key, value: unknown) =>
          value instanceof Error ? errorText(value) : value,
        )}`,
    );
  }
}

/** One entry of the sandbox's `GET /_sandbox/requests`. */
export interface LoggedRequest {
  /** When the sandbox received the request (ISO 8601, ms). */
  at: string;
  method: string;
  url: string;
  route: string;
  /** Null when the connection was dropped. */
  status: number | null;
  signature: string;
  fault?: string;
}

export interface SandboxPayout {
  sessionId: string;
  state: string | null;
  endToEndId: string;
  amount: string;
  currency: string;
  method: string | null;
  status: string;
  transferState: string | null;
  redirectUri: string | null;
  createdAt: string;
}

/** The foreign-session vocabulary, as the sandbox defines it (tests may read the sandbox's own terms). */
export { FOREIGN_KINDS, type ForeignKind, type SandboxForeignSession };

/** Everything secret the suite handled: none of it may appear in a log line or an error. */
export class SecretWatch {
  readonly tokens = new Set<string>();
  readonly failures: unknown[] = [];

  constructor(private readonly staticSecrets: string[]) {}

  /** Wraps fetch to learn every access token the sandbox hands out. */
  readonly fetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes('/oauth/accesstoken') && response.ok) {
      const body = (await response.clone().json()) as { access_token?: string };
      if (body.access_token) this.tokens.add(body.access_token);
    }
    return response;
  };

  /** Awaits a promise that must fail, records and returns its error. */
  async failureOf(promise: Promise<unknown>): Promise<Error> {
    const outcome = await promise.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
    this.failures.push(outcome.error);
    return outcome.error as Error;
  }

  secrets(): string[] {
    return [...this.staticSecrets, ...this.tokens];
  }
}

/** Everything an error exposes when printed or serialised: message, stack, details, the cause chain. */
export function errorText(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 6) return String(error);
  const details = (error as { details?: unknown }).details;
  return [
    error.message,
    error.stack ?? '',
    details === undefined ? '' : JSON.stringify(details),
    errorText(error.cause, depth + 1),
  ].join('\n');
}

/** Distinctive pieces of a PEM (each base64 line), since a leak could be partial. */
export function pemFragments(pem: string): string[] {
  return pem
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length >= 32 && !line.startsWith('-----'));
}

/** One activity attempt, run in a mocked activity context (typed, unlike `MockActivityEnvironment.run`). */
export interface ActivityAttempt {
  run<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R>;
  /** Cancels the activity as Temporal would (its cancellation signal fires). */
  cancel(): void;
  /** The details of every heartbeat the activity sent, in order. */
  heartbeats: unknown[];
}

export interface SandboxHarness {
  sandbox: SandboxProcess;
  logger: RecordingLogger;
  watch: SecretWatch;
  env(overrides?: Record<string, string>): Record<string, string>;
  config(overrides?: Record<string, string>): FintectureConfig;
  client(options?: { env?: Record<string, string>; clock?: Clock }): FintectureClient;
  activities(options?: {
    env?: Record<string, string>;
    client?: FintectureClient;
  }): ReturnType<typeof createPayoutActivities>;
  /** An activity context for the given attempt, logging (as Temporal does on failures) to `logger`. */
  attempt(attempt: number): ActivityAttempt;
  requests(route?: string): Promise<LoggedRequest[]>;
  /** The payouts created with this `state` (`payout-<orderId>`), newest first. */
  payouts(state: string): Promise<SandboxPayout[]>;
  /** Every payout the sandbox holds, whatever its state. */
  allPayouts(): Promise<SandboxPayout[]>;
  /** The foreign sessions (documented profile), oldest first. */
  foreign(): Promise<SandboxForeignSession[]>;
  /**
   * Sends the create the activity would send for this order (same body, reference and `state`), without
   * its search: a create of an earlier attempt that committed while nobody saw the answer. Returns the
   * session ID.
   */
  createDirectly(order: PayoutRequestInput): Promise<string>;
  /**
   * Creates payouts for other orders until the next foreign session the documented profile adds (after the
   * next create) is of this kind.
   */
  fillUntilNextForeignIs(kind: ForeignKind): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a sandbox process and builds our client against it, with a recording logger and secret watch. */
export async function startSandboxHarness(sandboxEnv: Record<string, string> = {}): Promise<SandboxHarness> {
  const sandbox = await startSandboxProcess(sandboxEnv);
  const logger = new RecordingLogger();
  const basic = Buffer.from(`${sandbox.appId}:${sandbox.appSecret}`).toString('base64');
  const watch = new SecretWatch([sandbox.appSecret, basic, ...pemFragments(sandbox.privateKeyPem)]);
  const env = (overrides: Record<string, string> = {}) => ({
    FINTECTURE_API_URL: sandbox.baseUrl,
    FINTECTURE_APP_ID: sandbox.appId,
    FINTECTURE_APP_SECRET: sandbox.appSecret,
    FINTECTURE_PRIVATE_KEY: sandbox.privateKeyPath,
    PUBLIC_BASE_URL: 'https://shop.example',
    FINTECTURE_REQUEST_TIMEOUT_MS: '2000',
    FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: '0',
    ...overrides,
  });
  const config = (overrides: Record<string, string> = {}) => loadFintectureConfig(env(overrides));
  const client = (options: { env?: Record<string, string>; clock?: Clock } = {}) =>
    new FintectureClient({ config: config(options.env), logger, clock: options.clock, fetch: watch.fetch });
  const directClient = client();
  const createDirectly = async (order: PayoutRequestInput) => {
    const parsed = parsePayoutRequest(order);
    if (!parsed.ok) throw new Error(`invalid test order: ${JSON.stringify(parsed.issues)}`);
    const call = buildCreatePayoutCall(
      parsed.request,
      payoutReferencesFor(parsed.request.orderId),
      config().redirectUri,
    );
    return (await directClient.createPayout(call)).sessionId;
  };
  const foreign = () => sandbox.control<SandboxForeignSession[]>('GET', '/foreign');
  return {
    sandbox,
    logger,
    watch,
    env,
    config,
    client,
    activities: (options = {}) =>
      createPayoutActivities({
        client: options.client ?? client({ env: options.env }),
        config: config(options.env),
        logger,
      }),
    attempt: (attempt) => {
      const environment = new MockActivityEnvironment({ attempt }, { logger });
      const heartbeats: unknown[] = [];
      environment.on('heartbeat', (details: unknown) => heartbeats.push(details));
      return {
        run: <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) =>
          environment.run(fn, ...args) as Promise<R>,
        cancel: () => environment.cancel(),
        heartbeats,
      };
    },
    requests: async (route) => {
      const all = await sandbox.control<LoggedRequest[]>('GET', '/requests');
      return route ? all.filter((request) => request.route === route) : all;
    },
    payouts: (state) =>
      sandbox.control<SandboxPayout[]>('GET', `/payouts?state=${encodeURIComponent(state)}`),
    allPayouts: () => sandbox.control<SandboxPayout[]>('GET', '/payouts'),
    foreign,
    createDirectly,
    fillUntilNextForeignIs: async (kind) => {
      // One readable foreign session per create (the seeded ones included), kinds in a fixed rotation.
      const next = async () =>
        FOREIGN_KINDS[(await foreign()).filter((session) => session.readable).length % FOREIGN_KINDS.length];
      for (let i = 0; i < FOREIGN_KINDS.length && (await next()) !== kind; i++) {
        await createDirectly(scenario1Request(`other-${randomUUID()}`));
      }
      if ((await next()) !== kind) throw new Error(`the sandbox does not rotate foreign sessions to ${kind}`);
    },
    stop: () => sandbox.stop(),
  };
}

export function scenario1Request(
  orderId: string,
  overrides: Partial<PayoutRequestInput> = {},
): PayoutRequestInput {
  return {
    orderId,
    amount: '26.99',
    currency: 'EUR',
    communication: 'MyShop REFUND from Order 123',
    payee: { name: 'John Doe', email: 'john@doe.example', phone: '+33601020304' },
    delivery: 'link',
    expiresInSeconds: 3600,
    ...overrides,
  };
}

export function scenario2Request(
  orderId: string,
  overrides: Partial<PayoutRequestInput> = {},
): PayoutRequestInput {
  return scenario1Request(orderId, {
    amount: '273.00',
    beneficiary: { name: 'John Doe', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' },
    ...overrides,
  });
}

/** Fails (without printing the secret) if any log line or recorded error contains a secret. */
export function expectNoSecretLeaked(harness: SandboxHarness): void {
  const secrets = harness.watch.secrets();
  const texts = [...harness.logger.lines(), ...harness.watch.failures.map((failure) => errorText(failure))];
  // Guard against a vacuous pass: the suite must have seen tokens, logged, and failed somewhere.
  expect(harness.watch.tokens.size).toBeGreaterThan(0);
  expect(harness.logger.entries.length).toBeGreaterThan(0);
  expect(harness.watch.failures.length).toBeGreaterThan(0);
  const leaks = texts.flatMap((text, index) =>
    secrets.some((secret) => text.includes(secret))
      ? [`text #${index} starting ${JSON.stringify(text.slice(0, 60))}`]
      : [],
  );
  expect(leaks).toEqual([]);
}

/** Asserts an activity failure's type and retryability (what Temporal acts on). */
export function expectApplicationFailure(
  error: unknown,
  type: string,
  expected: { nonRetryable: boolean; nextRetryDelay?: number },
): void {
  expect(error).toBeInstanceOf(ApplicationFailure);
  const failure = error as ApplicationFailure;
  expect({ type: failure.type, nonRetryable: failure.nonRetryable }).toEqual({
    type,
    nonRetryable: expected.nonRetryable,
  });
  if ('nextRetryDelay' in expected) expect(failure.nextRetryDelay).toBe(expected.nextRetryDelay);
}
