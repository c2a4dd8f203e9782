import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { promisify } from 'node:util';
import { createCodecServer } from '../../client/codec-server';
import { loadPayloadKeys } from '../../common/codec-config';
import { AesGcmPayloadCodec } from '../../common/payload-codec';
import { temporalBinary } from '../../scripts/temporal-dev-server';
import { payoutWorkflowId } from '../../workflows/messages';
import { TEST_CODEC_KEYS_FILE } from '../support/codec';
import { startPayoutStack, testOrder, type PayoutStack } from '../support/payout-stack';
import { testNamespace, testTemporalAddress, uniqueId } from '../support/temporal';

/**
 * G5: personal data and secrets never reach Temporal in clear. After full scenario 1 and 2 runs, the raw
 * histories (as `temporal workflow show` prints them) and the search attributes hold none of it — while
 * the codec server gives it back to an authorised operator.
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

let stack: PayoutStack;
let codecServer: Server;
let codecUrl: string;
const orders: string[] = [];

async function show(orderId: string): Promise<string> {
  const { stdout } = await run(
    temporalBinary('temporal'),
    [
      'workflow',
      'show',
      '--workflow-id',
      payoutWorkflowId(orderId),
      '--address',
      testTemporalAddress(),
      '--namespace',
      testNamespace(),
      '--output',
      'json',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

beforeAll(async () => {
  stack = await startPayoutStack();
  codecServer = createCodecServer({
    codec: new AesGcmPayloadCodec(loadPayloadKeys({ PAYLOAD_CODEC_KEYS_FILE: TEST_CODEC_KEYS_FILE })!),
    token: TOKEN,
    allowedOrigin: 'http://127.0.0.1:8233',
  });
  await new Promise<void>((resolve) => codecServer.listen(0, '127.0.0.1', resolve));
  codecUrl = `http://127.0.0.1:${(codecServer.address() as AddressInfo).port}`;

  const payee = { name: PERSONAL.payeeName, email: PERSONAL.email, phone: PERSONAL.phone };
  const verified = testOrder({
    orderId: uniqueId('g5-verified'),
    payee,
    beneficiary: { name: PERSONAL.beneficiaryName, iban: PERSONAL.iban, bic: 'COBADEFFXXX' },
  });
  const link = testOrder({ orderId: uniqueId('g5-link'), verified: false, payee });
  await stack.startPayout(verified);
  const created = await stack.startPayout(link);
  await stack.sandbox.control('POST', `/payouts/${created.sessionId}/payee`, {
    name: PERSONAL.beneficiaryName,
    iban: PERSONAL.iban,
    bic: 'COBADEFFXXX',
  });
  for (const order of [verified, link]) {
    orders.push(order.orderId);
    await stack.client.workflow.getHandle(payoutWorkflowId(order.orderId)).signal('payoutEvent', {
      source: 'webhook',
      sessionId: (
        (await stack.client.workflow.getHandle(payoutWorkflowId(order.orderId)).query('status')) as {
          sessionId: string;
        }
      ).sessionId,
      eventId: uniqueId('evt'),
      receivedAt: new Date().toISOString(),
    });
    expect((await stack.result(order.orderId)).outcome).toBe('SETTLED');
  }
}, 120_000);

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

describe('G5: no personal data or secret in clear in Temporal', () => {
  it('the raw histories contain no payee or beneficiary data, and no credential', async () => {
    for (const orderId of orders) {
      const history = await show(orderId);
      // The CLI prints plain JSON payloads decoded (the search attributes show the order ID in clear), so
      // personal data in a plain payload would show here; the payloads carrying it are encrypted.
      expect(history).toContain(orderId);
      expect(encryptedPayloads(history).length).toBeGreaterThan(5);
      for (const value of [
        ...Object.values(PERSONAL),
        stack.sandbox.appSecret,
        'BEGIN PRIVATE KEY',
        'Bearer ',
      ]) {
        expect({ orderId, leaked: history.includes(value) ? value : null }).toEqual({
          orderId,
          leaked: null,
        });
      }
    }
  });

  it('the search attributes hold IDs and states only', async () => {
    for (const orderId of orders) {
      const description = await stack.client.workflow.getHandle(payoutWorkflowId(orderId)).describe();
      const attributes = JSON.stringify(
        Object.fromEntries(description.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])),
      );
      expect(attributes).toContain(orderId);
      for (const value of Object.values(PERSONAL)) expect(attributes).not.toContain(value);
    }
  });

  it('an authorised operator reads the same payloads through the codec server; others are refused', async () => {
    const payloads = encryptedPayloads(await show(orders[0]!));
    const decode = (authorization: string) =>
      fetch(`${codecUrl}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization, 'x-namespace': testNamespace() },
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
