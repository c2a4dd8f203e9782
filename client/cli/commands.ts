import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { REQUESTED_BY_PATTERN, REQUESTED_BY_RULE } from '../../domain/identifiers';
import { parsePayoutRequest, type FieldIssue } from '../../domain/payout-request';
import { ConfigError, loadClientConfig, type ClientConfig } from '../config';
import { formatPayout, formatPayoutList } from './format';
import { notifyCommand, NotifyUsageError } from './notify';
import {
  createPayoutService,
  InvalidStatusFilterError,
  OrderConflictError,
  type PayoutService,
  type StartPayoutResult,
} from '../payouts/payout-service';
import { ORDER_CONFLICT_MESSAGE } from '../payouts/payout-answers';
import { TemporalUnavailableError } from '../payouts/temporal-errors';
import { payoutDataConverter } from '../../common/codec-config';
import { connectTemporal } from '../payouts/temporal-connection';

/** `payouts start|show|list|cancel|notify`: the payout service for people. Exit codes: 0 ok, 1 failure, 2 usage. */

export const USAGE = `Usage:
  payouts start --order ID --amount 26.99 --communication TEXT --payee-name NAME
                [--payee-email EMAIL] [--payee-phone +33…] [--currency EUR]
                [--iban IBAN --bic BIC --beneficiary-name NAME]   (verified beneficiary: scenario 2)
                [--delivery link|email|sms] [--expires-in SECONDS] [--language fr] [--country FR]
  payouts start --json FILE        (the order API's JSON body)
  payouts show ORDER_ID [--json]
  payouts list [--status SETTLED] [--limit 50] [--json]
  payouts cancel ORDER_ID [--by NAME]
  payouts notify ORDER_ID [--all]  (re-sends outcome events not delivered; NOTIFY_WEBHOOK_URL, _SECRET)

Temporal: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_API_KEY, TEMPORAL_TLS_*.
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Connects the payout service; injected by tests. */
  openService?: (config: ClientConfig) => Promise<{ payouts: PayoutService; close(): Promise<void> }>;
}

class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** CLI flags of the request fields, so validation errors name what the user typed. */
const FLAG_OF_PATH: Record<string, string> = {
  orderId: '--order',
  amount: '--amount',
  currency: '--currency',
  communication: '--communication',
  'payee.name': '--payee-name',
  'payee.email': '--payee-email',
  'payee.phone': '--payee-phone',
  'beneficiary.name': '--beneficiary-name',
  'beneficiary.iban': '--iban',
  'beneficiary.bic': '--bic',
  delivery: '--delivery',
  expiresInSeconds: '--expires-in',
  language: '--language',
  country: '--country',
};

const START_OPTIONS = {
  order: { type: 'string' },
  amount: { type: 'string' },
  currency: { type: 'string' },
  communication: { type: 'string' },
  'payee-name': { type: 'string' },
  'payee-email': { type: 'string' },
  'payee-phone': { type: 'string' },
  iban: { type: 'string' },
  bic: { type: 'string' },
  'beneficiary-name': { type: 'string' },
  delivery: { type: 'string' },
  'expires-in': { type: 'string' },
  language: { type: 'string' },
  country: { type: 'string' },
  json: { type: 'string' },
} as const;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    (command ? io.stdout : io.stderr)(USAGE);
    return command ? 0 : 2;
  }
  let service: { payouts: PayoutService; close(): Promise<void> } | undefined;
  const payouts = async () => {
    if (!service) {
      const config = loadClientConfig(io.env);
      service = await (io.openService ?? openPayoutService)(config);
    }
    return service.payouts;
  };
  try {
    switch (command) {
      case 'start':
        return await start(rest, io, payouts);
      case 'show':
        return await show(rest, io, payouts);
      case 'list':
        return await list(rest, io, payouts);
      case 'cancel':
        return await cancel(rest, io, payouts);
      case 'notify':
        return await notifyCommand(rest, io, async (orderId) => (await payouts()).getPayout(orderId));
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof NotifyUsageError || isParseArgsError(error)) {
      io.stderr(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof InvalidStatusFilterError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    if (error instanceof TemporalUnavailableError) {
      io.stderr('Temporal is unavailable: check TEMPORAL_ADDRESS and that the server is running.\n');
      return 1;
    }
    io.stderr(`Failed: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}\n`);
    return 1;
  } finally {
    await service?.close();
  }
}

async function openPayoutService(config: ClientConfig) {
  // People wait at the prompt: give up sooner than the SDK's 10 s.
  const { client, connection } = await connectTemporal(config.temporal, {
    connectTimeoutMs: 5_000,
    dataConverter: payoutDataConverter(config.payloadKeys),
  }).catch((error: unknown) => {
    throw new TemporalUnavailableError('connect', { cause: error });
  });
  return {
    payouts: createPayoutService({
      client,
      taskQueue: config.temporal.taskQueue,
      settings: config.payoutSettings,
      payloadKeys: config.payloadKeys,
    }),
    close: () => connection.close(),
  };
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return positionals[0]!;
}

function describeIssues(issues: FieldIssue[]): string {
  return issues
    .map((issue) => {
      const flag = FLAG_OF_PATH[issue.path];
      const name = flag ? `${flag} (${issue.path})` : issue.path || 'request';
      return `  ${name}: ${issue.message}`;
    })
    .join('\n');
}

function requestFromFlags(values: Record<string, string | undefined>): Record<string, unknown> {
  const defined = <T extends Record<string, unknown>>(object: T) =>
    Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
  const expires = values['expires-in'];
  const hasBeneficiary = [values.iban, values.bic, values['beneficiary-name']].some((v) => v !== undefined);
  return defined({
    orderId: values.order,
    amount: values.amount,
    currency: values.currency ?? 'EUR',
    communication: values.communication,
    payee: defined({
      name: values['payee-name'],
      email: values['payee-email'],
      phone: values['payee-phone'],
    }),
    beneficiary: hasBeneficiary
      ? defined({ name: values['beneficiary-name'], iban: values.iban, bic: values.bic })
      : undefined,
    delivery: values.delivery,
    // Left as text when not a number, so the schema names the flag.
    expiresInSeconds: expires === undefined ? undefined : /^\d+$/.test(expires) ? Number(expires) : expires,
    language: values.language,
    country: values.country,
  });
}

type ServiceGetter = () => Promise<PayoutService>;

async function start(args: string[], io: CliIo, payouts: ServiceGetter): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: START_OPTIONS, allowPositionals: false });
  if (positionals.length > 0) throw new UsageError('start takes no positional arguments');
  let input: unknown;
  if (values.json !== undefined) {
    const others = Object.keys(values).filter((name) => name !== 'json');
    if (others.length > 0) throw new UsageError('--json cannot be combined with other start options');
    try {
      input = JSON.parse(readFileSync(values.json, 'utf8'));
    } catch {
      throw new UsageError(`--json: cannot read a JSON payout request from ${values.json}`);
    }
  } else {
    input = requestFromFlags(values);
  }
  const parsed = parsePayoutRequest(input);
  if (!parsed.ok) {
    io.stderr(`Invalid payout request:\n${describeIssues(parsed.issues)}\n`);
    return 2;
  }
  let started: StartPayoutResult;
  try {
    started = await (await payouts()).startPayout(parsed.request);
  } catch (error) {
    if (!(error instanceof OrderConflictError)) throw error;
    // The same answer as the order API's 409: the differing fields, never their values.
    const fields = error.fields.map((path) => ({ path, message: ORDER_CONFLICT_MESSAGE }));
    io.stderr(
      `Not started: order ${error.orderId} already has a payout (workflow ${error.workflowId}) ` +
        `started by a different request (order_conflict):\n${describeIssues(fields)}\n`,
    );
    return 1;
  }
  const { created, pending, status, requestCheck } = started;
  if (requestCheck === 'not_recorded' || requestCheck === 'unknown_key') {
    const why =
      requestCheck === 'unknown_key'
        ? 'its fingerprint key is not configured'
        : 'it was started before requests were fingerprinted';
    io.stderr(`Note: not compared with the request that started this payout (${why}).\n`);
  }
  io.stdout(
    `${created ? 'Started' : 'Found existing'} payout for order ${status.orderId} (workflow ${status.workflowId})` +
      `${pending ? ': still being created at Fintecture' : ''}\n`,
  );
  if (status.connectUrl) io.stdout(`Payee link: ${status.connectUrl}\n`);
  io.stdout(formatPayout(status));
  return 0;
}

async function show(args: string[], io: CliIo, payouts: ServiceGetter): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' } },
    allowPositionals: true,
  });
  const orderId = onePositional(positionals, 'ORDER_ID');
  const view = await (await payouts()).getPayout(orderId);
  if (!view) {
    io.stderr(`No payout for order ${orderId}.\n`);
    return 1;
  }
  io.stdout(values.json ? `${JSON.stringify(view, null, 2)}\n` : formatPayout(view));
  return 0;
}

async function list(args: string[], io: CliIo, payouts: ServiceGetter): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { status: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError('list takes no positional arguments');
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new UsageError('--limit must be a whole number between 1 and 1000');
  }
  const found = await (await payouts()).listPayouts({ status: values.status, limit });
  io.stdout(values.json ? `${JSON.stringify(found, null, 2)}\n` : formatPayoutList(found));
  return 0;
}

async function cancel(args: string[], io: CliIo, payouts: ServiceGetter): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { by: { type: 'string' } },
    allowPositionals: true,
  });
  const orderId = onePositional(positionals, 'ORDER_ID');
  const requestedBy = values.by ?? 'cli';
  if (!REQUESTED_BY_PATTERN.test(requestedBy)) {
    throw new UsageError(`--by ${REQUESTED_BY_RULE}`);
  }
  const answer = await (await payouts()).cancelPayout(orderId, requestedBy);
  switch (answer.kind) {
    case 'not_found':
      io.stderr(`No payout for order ${orderId}.\n`);
      return 1;
    case 'refused':
      io.stderr(`Not cancelled: ${answer.message}\n`);
      return 1;
    case 'answered':
      (answer.result.cancelled ? io.stdout : io.stderr)(
        `${answer.result.cancelled ? 'Cancelled' : 'Not cancelled'}: ${answer.result.message}\n`,
      );
      if (answer.result.cancelled) io.stdout(formatPayout(answer.result.status));
      return answer.result.cancelled ? 0 : 1;
  }
}
