import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { promisify } from 'node:util';
import { createCodecServer } from '../../client/codec-server/server';
import { loadPayloadKeys } from '../../common/codec-config';
import { AesGcmPayloadCodec } from '../../common/payload-codec';
import { freePort, temporalBinary } from '../../scripts/temporal-dev-server';
import { payoutWorkflowId } from '../../workflows/messages';
import { TEST_CODEC_KEYS_FILE } from '../support/codec';
import { TEST_BIC } from '../support/payout-bodies';
import {
  STACK_API_KEY,
  startProcessStack,
  stackOrder,
  type PayoutStatusAnswer,
  type ProcessStack,
} from '../support/process-stack';
import { uniqueId } from '../support/temporal';
import { payeeFillsTheLink as fillTheLink } from '../support/payee';

/**
 * G5: personal data and secrets never leave the payout's encrypted payloads. The whole stack runs as real
 * processes (worker at DEBUG log level, ingress, sandbox delivering real webhooks); after a scenario-2
 * payout and a scenario-1 payout whose payee fills the real payee page and is redirected back, the raw
 * histories (as `temporal workflow show` prints them), the search attributes, every line the worker and the
 * ingress logged and the worker's metrics hold none of it — while the codec server gives it back to an
 * authorised operator.
 */
const run = promisify(execFile);
const PERSONAL = {
  payeeName: 'Zoé Confidentielle',
  email: 'zoe.confidentielle@private.example',
  phone: '+33611223344',
  beneficiaryName: 'Zoé C. Beneficiary',
  iban: 'DE89370400440532013000',
};
const TOKEN = 'codec-operator-token-0123456789';

let stack: ProcessStack;
let metricsUrl: string;
let codecServer: Server;
let codecUrl: string;
const orders: string[] = [];
const outcomes: PayoutStatusAnswer[] = [];

async function show(orderId: string): Promise<string> {
  const { stdout } = await run(
    temporalBinary('temporal'),
    [
      'workflow',
      'show',
      '--workflow-id',
      payoutWorkflowId(orderId),
      '--address',
      stack.temporal.address,
      '--namespace',
      stack.temporal.namespace,
      '--output',
      'json',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

/** The payee of scenario 1 submits the real payee page and follows the redirect back to our ingress. */
async function payeeFillsTheLink(connectUrl: string): Promise<{ returnPage: Response; returnUrl: URL }> {
  const { submittedStatus, returnPage, returnUrl } = await fillTheLink(connectUrl, {
    name: PERSONAL.beneficiaryName,
    iban: PERSONAL.iban,
    bic: 'COBADEFFXXX',
  });
  expect(submittedStatus).toBeGreaterThanOrEqual(300);
  expect(submittedStatus).toBeLessThan(400);
  expect(returnUrl.origin).toBe(stack.ingressUrl);
  return { returnPage, returnUrl };
}

beforeAll(async () => {
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  stack = await startProcessStack({
    name: 'g5-encryption',
    // DEBUG: every Fintecture call and SDK detail is logged, so the scan covers the chattiest setting.
    workerEnv: { WORKER_LOG_LEVEL: 'DEBUG', WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}` },
  });
  codecServer = createCodecServer({
    codec: new AesGcmPayloadCodec(loadPayloadKeys({ PAYLOAD_CODEC_KEYS_FILE: TEST_CODEC_KEYS_FILE })!),
    token: TOKEN,
    allowedOrigin: 'http://127.0.0.1:8233',
  });
  await new Promise<void>((resolve) => codecServer.listen(0, '127.0.0.1', resolve));
  codecUrl = `http://127.0.0.1:${(codecServer.address() as AddressInfo).port}`;

  const payee = { name: PERSONAL.payeeName, email: PERSONAL.email, phone: PERSONAL.phone };
  const verified = stackOrder({
    orderId: uniqueId('g5-verified'),
    payee,
    beneficiary: { name: PERSONAL.beneficiaryName, iban: PERSONAL.iban, bic: TEST_BIC },
  });
  const link = stackOrder({ orderId: uniqueId('g5-link'), payee, beneficiary: undefined });
  orders.push(verified.orderId, link.orderId);
  const [verifiedAnswer, linkAnswer] = await stack.startPayouts([verified, link]);
  expect([verifiedAnswer?.status, linkAnswer?.status]).toEqual([201, 201]);
  const { connectUrl } = linkAnswer!.body as { connectUrl: string };
  const { returnPage } = await payeeFillsTheLink(connectUrl);
  expect(returnPage.status).toBe(200);

  const wait = await stack.waitForOutcomes(orders, { timeoutMs: 60_000 });
  expect(wait.pending).toEqual([]);
  for (const orderId of orders) outcomes.push(wait.outcomes.get(orderId)!);
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => codecServer?.close(resolve));
  await stack?.stop();
});

const ENCRYPTED = Buffer.from('binary/encrypted').toString('base64');

interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}

/** Every encrypted payload in a `temporal workflow show --output json` history. */
function encryptedPayloads(history: string): JsonPayload[] {
  const found: JsonPayload[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node && typeof node === 'object') {
      const candidate = node as Partial<JsonPayload>;
      if (candidate.metadata?.encoding === ENCRYPTED && typeof candidate.data === 'string')
        found.push(candidate as JsonPayload);
      else Object.values(node).forEach(visit);
    }
  };
  visit(JSON.parse(history));
  return found;
}

/** Everything that must never appear outside an encrypted payload. */
async function secretsAndPersonalData(): Promise<string[]> {
  const { tokens } = await stack.sandbox.control<{ tokens: string[] }>('GET', '/tokens');
  expect(tokens.length).toBeGreaterThan(0); // the worker did obtain one: the scan looks for a real token
  return [...Object.values(PERSONAL), stack.sandbox.appSecret, STACK_API_KEY, ...tokens, 'PRIVATE KEY'];
}

/** The first forbidden value `text` contains, or null; any bearer credential counts (not a `<placeholder>`). */
function leakIn(text: string, forbidden: string[]): string | null {
  return forbidden.find((value) => text.includes(value)) ?? /(Bearer|Basic) [^<\s]+/i.exec(text)?.[0] ?? null;
}

describe('G5: no personal data or secret in clear outside the encrypted payloads', () => {
  it('both scenarios ran through the real channels: create, webhooks and the payee redirect', async () => {
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['SETTLED', 'SETTLED']);
    const signals = await Promise.all(orders.map((orderId) => stack.signalsReceived(orderId)));
    expect(signals[0]!.map((signal) => signal.source)).toContain('webhook');
    expect(signals[1]!.map((signal) => signal.source)).toEqual(
      expect.arrayContaining(['webhook', 'redirect']),
    );
  });

  it('the raw histories contain no payee or beneficiary data, and no credential', async () => {
    const forbidden = await secretsAndPersonalData();
    for (const orderId of orders) {
      const history = await show(orderId);
      // The CLI prints plain JSON payloads decoded (the search attributes show the order ID in clear), so
      // personal data in a plain payload would show here; the payloads carrying it are encrypted.
      expect(history).toContain(orderId);
      expect(encryptedPayloads(history).length).toBeGreaterThan(5);
      expect({ orderId, leaked: leakIn(history, forbidden) }).toEqual({ orderId, leaked: null });
    }
  });

  it('the search attributes hold IDs and states only', async () => {
    const forbidden = await secretsAndPersonalData();
    for (const orderId of orders) {
      const description = await stack.client.workflow.getHandle(payoutWorkflowId(orderId)).describe();
      const attributes = JSON.stringify(
        Object.fromEntries(description.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])),
      );
      expect(attributes).toContain(orderId);
      expect({ orderId, leaked: leakIn(attributes, forbidden) }).toEqual({ orderId, leaked: null });
    }
  });

  it('the worker and ingress logs (worker at DEBUG) and the worker metrics hold none of it', async () => {
    const forbidden = await secretsAndPersonalData();
    const workerLog = stack.workers[0]!.lines().join('\n');
    const ingressLog = stack.ingress.lines().join('\n');
    // The scan read real logs of these payouts: state changes, Fintecture calls, webhooks and the redirect.
    for (const orderId of orders) expect(workerLog).toContain(`"orderId":"${orderId}"`);
    expect(workerLog).toContain('"payout state changed"');
    expect(workerLog).toContain('"Fintecture call"');
    expect(ingressLog).toContain('webhook');
    expect(ingressLog).toContain(outcomes[1]!.sessionId!);
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toContain('fintecture_request_duration');
    for (const [name, text] of [
      ['worker log', workerLog],
      ['ingress log', ingressLog],
      ['worker metrics', metrics],
    ] as const) {
      expect({ name, leaked: leakIn(text, forbidden) }).toEqual({ name, leaked: null });
    }
  });

  it('an authorised operator reads the same payloads through the codec server; others are refused', async () => {
    const payloads = encryptedPayloads(await show(orders[0]!));
    const decode = (authorization: string) =>
      fetch(`${codecUrl}/decode`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization,
          'x-namespace': stack.temporal.namespace,
        },
        body: JSON.stringify({ payloads }),
      });
    const answer = await decode(`Bearer ${TOKEN}`);
    expect(answer.status).toBe(200);
    const decoded = ((await answer.json()) as { payloads: JsonPayload[] }).payloads
      .map((p) => Buffer.from(p.data, 'base64').toString('utf8'))
      .join('\n');
    expect(decoded).toContain(PERSONAL.payeeName);
    expect(decoded).toContain(PERSONAL.iban);
    expect(decoded).toContain(PERSONAL.email);
    expect((await decode('Bearer not-the-token-0123456789')).status).toBe(401);
  });
});
