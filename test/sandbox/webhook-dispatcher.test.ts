import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Validation } from 'fintecture-client/lib/src/Validation';
import { WebhookDispatcher, type WebhookEvent, type WebhookSettings } from '../../sandbox/webhook-dispatcher';
import { ROTATING_HEADER_LISTS } from '../../sandbox/webhook-header-lists';

const { publicKey: merchantPublicKeyPem, privateKey: merchantPrivateKeyPem } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const appId = 'a8b3c2d1-0000-4000-8000-00000000cafe';
const sdkValidation = new Validation({ app_id: appId, private_key: merchantPrivateKeyPem });

/** Timers may fire a hair early relative to performance.now(); this absorbs it, nothing more. */
const TIMER_TOLERANCE_MS = 5;

interface ReceivedRequest {
  /** performance.now() when the request arrived. */
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered, or 'hang' when it never answered. */
  answer: number | 'hang';
}

interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1; `answer` decides the status of the n-th request (0-based). */
async function startReceiver(
  answer: (index: number, body: string) => number | 'hang' = () => 200,
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((request, response) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const decision = answer(requests.length, body);
      requests.push({ at, headers: request.headers, body, answer: decision });
      if (decision === 'hang') hanging.push(response);
      else response.writeHead(decision, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/fintecture`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const openDispatchers: WebhookDispatcher[] = [];
const openReceivers: Receiver[] = [];

afterEach(async () => {
  await Promise.all(openDispatchers.splice(0).map((dispatcher) => dispatcher.close()));
  await Promise.all(openReceivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(answer?: (index: number, body: string) => number | 'hang'): Promise<Receiver> {
  const started = await startReceiver(answer);
  openReceivers.push(started);
  return started;
}

function dispatcher(
  settings: Partial<WebhookSettings> & { urls: string[] },
  log?: (line: string) => void,
): { dispatcher: WebhookDispatcher; settings: WebhookSettings } {
  const current: WebhookSettings = {
    offsetMs: 0,
    timeoutMs: 2_000,
    retries: 3,
    retryBaseMs: 20,
    ...settings,
  };
  const created = new WebhookDispatcher({ appId, merchantPublicKeyPem, settings: () => current, log });
  openDispatchers.push(created);
  return { dispatcher: created, settings: current };
}

function paymentEvent(
  sessionId: string,
  status = 'payment_created',
  extra: Record<string, string> = {},
): WebhookEvent {
  const event = `payment_session.status.${status}`;
  return {
    sessionId,
    event,
    fields: {
      session_id: sessionId,
      status,
      customer_id: 'c'.repeat(32),
      state: `state-${sessionId}`,
      event,
      ...extra,
    },
  };
}

function sdkAccepts(request: ReceivedRequest): boolean {
  try {
    return sdkValidation.authenticateRequest({ ...request.headers }, request.body);
  } catch {
    return false;
  }
}

async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

describe('WebhookDispatcher', () => {
  it('posts the form body with headers that the official SDK verifies', async () => {
    const target = await receiver();
    const { dispatcher: webhooks } = dispatcher({ urls: [target.url] });
    const event = paymentEvent('b2bca2bcd3b64a32a7da0766df59a7d2');

    webhooks.send(event);
    await webhooks.idle();

    expect(target.requests).toHaveLength(1);
    const [request] = target.requests;
    expect(request?.body).toBe(new URLSearchParams(event.fields).toString());
    expect(
      request?.body.startsWith('session_id=b2bca2bcd3b64a32a7da0766df59a7d2&status=payment_created&'),
    ).toBe(true);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request && sdkAccepts(request)).toBe(true);
    expect(webhooks.deliveries()).toEqual([
      expect.objectContaining({
        url: target.url,
        sessionId: event.sessionId,
        event: event.event,
        fields: event.fields,
        requestId: request?.headers['x-request-id'],
        attempt: 1,
        outcome: 'delivered',
        status: 200,
      }),
    ]);
  });

  it('retries a failing receiver with the same X-Request-ID, re-signed, after growing delays', async () => {
    const failures = 3;
    const retryBaseMs = 30;
    const target = await receiver((index) => (index < failures ? 500 : 204));
    const { dispatcher: webhooks } = dispatcher({ urls: [target.url], retries: 5, retryBaseMs });

    webhooks.send(paymentEvent('s1'));
    await webhooks.idle();

    expect(target.requests).toHaveLength(failures + 1);
    const requestIds = new Set(target.requests.map((request) => request.headers['x-request-id']));
    expect(requestIds.size).toBe(1);
    for (const request of target.requests) expect(sdkAccepts(request)).toBe(true);

    const gaps = target.requests
      .slice(1)
      .map((request, index) => request.at - (target.requests[index]?.at ?? 0));
    gaps.forEach((gap, index) => {
      expect(gap).toBeGreaterThanOrEqual(retryBaseMs * 2 ** index - TIMER_TOLERANCE_MS);
      if (index > 0) expect(gap).toBeGreaterThanOrEqual(gaps[index - 1] ?? 0);
    });

    const records = webhooks.deliveries();
    expect(records.map((record) => [record.attempt, record.outcome, record.status])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'failed', 500],
      [4, 'delivered', 204],
    ]);
    expect(new Set(records.map((record) => record.deliveryId)).size).toBe(1);
    expect(records.every((record) => record.requestId === [...requestIds][0])).toBe(true);
  });

  it('gives up after the configured retries', async () => {
    const target = await receiver(() => 500);
    const { dispatcher: webhooks } = dispatcher({ urls: [target.url], retries: 2, retryBaseMs: 10 });

    webhooks.send(paymentEvent('s1'));
    await webhooks.idle();

    expect(target.requests).toHaveLength(3);
    expect(webhooks.deliveries().map((record) => record.outcome)).toEqual(['failed', 'failed', 'gave_up']);
  });

  it('counts a redirect as a failed attempt and does not follow it', async () => {
    const target = await receiver((index) => (index === 0 ? 302 : 200));
    const { dispatcher: webhooks } = dispatcher({ urls: [target.url], retryBaseMs: 10 });

    webhooks.send(paymentEvent('s1'));
    await webhooks.idle();

    expect(webhooks.deliveries().map((record) => [record.outcome, record.status])).toEqual([
      ['failed', 302],
      ['delivered', 200],
    ]);
  });

  it('treats a receiver that does not answer within the timeout as a failed attempt', async () => {
    const timeoutMs = 150;
    const target = await receiver(() => 'hang');
    const { dispatcher: webhooks } = dispatcher({
      urls: [target.url],
      timeoutMs,
      retries: 2,
      retryBaseMs: 10,
    });

    webhooks.send(paymentEvent('s1'));
    await webhooks.idle();

    expect(target.requests).toHaveLength(3);
    expect(new Set(target.requests.map((request) => request.headers['x-request-id'])).size).toBe(1);
    const records = webhooks.deliveries();
    expect(records.map((record) => record.outcome)).toEqual(['failed', 'failed', 'gave_up']);
    for (const record of records) {
      expect(record.status).toBeUndefined();
      expect(record.error).toBe(`no answer within ${timeoutMs} ms`);
    }
    const gap = (target.requests[1]?.at ?? 0) - (target.requests[0]?.at ?? 0);
    // The retry waits for the timeout (and its 10 ms backoff); the bound leaves out the backoff because the
    // first request's own transit (a new connection, on a loaded machine) shortens the measured gap.
    expect(gap).toBeGreaterThanOrEqual(timeoutMs - TIMER_TOLERANCE_MS);
  });

  it('records a network error as a failed attempt', async () => {
    const closed = await startReceiver();
    await closed.close(); // nothing listens on that port any more
    const { dispatcher: webhooks } = dispatcher({ urls: [closed.url], retries: 1, retryBaseMs: 10 });

    webhooks.send(paymentEvent('s1'));
    await webhooks.idle();

    const records = webhooks.deliveries();
    expect(records.map((record) => record.outcome)).toEqual(['failed', 'gave_up']);
    expect(records[0]?.error).toMatch(/ECONNREFUSED/);
  });

  it('keeps the order of one session even when the first webhook needs retries; other sessions do not wait', async () => {
    const target = await receiver((_index, body) => {
      const fields = new URLSearchParams(body);
      const firstOfA = fields.get('session_id') === 'A' && fields.get('status') === 'iban_received';
      const attemptsOfFirstA = target.requests.filter((r) => r.body === body).length;
      return firstOfA && attemptsOfFirstA < 2 ? 503 : 200;
    });
    const { dispatcher: webhooks } = dispatcher({ urls: [target.url], retryBaseMs: 40 });

    webhooks.send(paymentEvent('A', 'iban_received'));
    webhooks.send(paymentEvent('A', 'payment_created'));
    webhooks.send(paymentEvent('B', 'payment_created'));
    await webhooks.idle();

    const arrivals = target.requests.map((request) => {
      const fields = new URLSearchParams(request.body);
      return `${fields.get('session_id')}:${fields.get('status')}:${request.answer}`;
    });
    const sessionA = arrivals.filter((arrival) => arrival.startsWith('A:'));
    expect(sessionA).toEqual([
      'A:iban_received:503',
      'A:iban_received:503',
      'A:iban_received:200',
      'A:payment_created:200',
    ]);
    // B went through while A's first webhook was still being retried.
    expect(arrivals.indexOf('B:payment_created:200')).toBeLessThan(arrivals.indexOf('A:iban_received:200'));
  });

  it('sends the next webhook of a session once the previous one is given up', async () => {
    const target = await receiver((_index, body) => (body.includes('status=iban_received') ? 500 : 200));
    const { dispatcher: webhooks } = dispatcher({ urls: [target.url], retries: 1, retryBaseMs: 10 });

    webhooks.send(paymentEvent('A', 'iban_received'));
    webhooks.send(paymentEvent('A', 'payment_created'));
    await webhooks.idle();

    expect(webhooks.deliveries().map((record) => `${record.event}:${record.outcome}`)).toEqual([
      'payment_session.status.iban_received:failed',
      'payment_session.status.iban_received:gave_up',
      'payment_session.status.payment_created:delivered',
    ]);
  });

  it('delivers to every configured URL, each with its own X-Request-ID', async () => {
    const first = await receiver();
    const second = await receiver((index) => (index === 0 ? 500 : 200));
    const { dispatcher: webhooks } = dispatcher({ urls: [first.url, second.url], retryBaseMs: 10 });

    webhooks.send(paymentEvent('s1'));
    await webhooks.idle();

    expect(first.requests).toHaveLength(1);
    expect(second.requests).toHaveLength(2);
    for (const request of [...first.requests, ...second.requests]) expect(sdkAccepts(request)).toBe(true);
    expect(first.requests[0]?.headers['x-request-id']).not.toBe(second.requests[0]?.headers['x-request-id']);
    const outcomes = webhooks
      .deliveries()
      .map((record) => `${record.url === first.url ? 1 : 2}:${record.outcome}`);
    expect(outcomes.sort()).toEqual(['1:delivered', '2:delivered', '2:failed']);
  });

  it('does not send before the offset', async () => {
    const offsetMs = 200;
    const target = await receiver();
    const { dispatcher: webhooks } = dispatcher({ urls: [target.url], offsetMs });

    const sentAt = performance.now();
    webhooks.send(paymentEvent('s1'));
    await webhooks.idle();

    expect(target.requests).toHaveLength(1);
    expect((target.requests[0]?.at ?? 0) - sentAt).toBeGreaterThanOrEqual(offsetMs - TIMER_TOLERANCE_MS);
  });

  it('reads the URLs when a webhook is sent: later changes affect only later webhooks', async () => {
    const before = await receiver();
    const after = await receiver();
    const { dispatcher: webhooks, settings } = dispatcher({ urls: [before.url], offsetMs: 50 });

    webhooks.send(paymentEvent('s1', 'iban_received'));
    settings.urls = [after.url];
    webhooks.send(paymentEvent('s1', 'payment_created'));
    await webhooks.idle();

    expect(before.requests.map((request) => new URLSearchParams(request.body).get('status'))).toEqual([
      'iban_received',
    ]);
    expect(after.requests.map((request) => new URLSearchParams(request.body).get('status'))).toEqual([
      'payment_created',
    ]);
  });

  it('keeps personal data out of the log and its records immune to outside changes', async () => {
    const target = await receiver((index) => (index === 0 ? 500 : 200));
    const lines: string[] = [];
    const { dispatcher: webhooks } = dispatcher(
      { urls: [`${target.url}?token=secret`], retryBaseMs: 10 },
      (line) => lines.push(line),
    );
    const event = paymentEvent('s1', 'iban_received', {
      beneficiary_name: 'Jeanne Dupont',
      iban: 'FR7630006000011234567890189',
    });

    webhooks.send(event);
    event.fields.iban = 'changed by the caller';
    await webhooks.idle();

    expect(new URLSearchParams(target.requests[1]?.body).get('iban')).toBe('FR7630006000011234567890189');
    const records = webhooks.deliveries();
    (records[0] as { fields: Record<string, string> }).fields.iban = 'changed by a reader';
    expect(webhooks.deliveries()[0]?.fields.iban).toBe('FR7630006000011234567890189');

    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('payment_session.status.iban_received');
    expect(lines[0]).toContain('HTTP 500');
    const log = lines.join('\n');
    for (const secret of ['Jeanne', 'Dupont', 'FR7630006000011234567890189', 'token=secret']) {
      expect(log).not.toContain(secret);
    }
  });

  it('never throws out of send, even when the settings cannot be read', async () => {
    const lines: string[] = [];
    const webhooks = new WebhookDispatcher({
      appId,
      merchantPublicKeyPem,
      settings: () => {
        throw new Error('settings unavailable');
      },
      log: (line) => lines.push(line),
    });
    openDispatchers.push(webhooks);

    expect(() => webhooks.send(paymentEvent('s1'))).not.toThrow();
    await webhooks.idle();
    expect(webhooks.deliveries()).toEqual([]);
    expect(lines.join('\n')).toContain('settings unavailable');
  });

  it('reset() cancels pending retries and forgets the records; the dispatcher keeps working', async () => {
    const target = await receiver((index) => (index === 0 ? 500 : 200));
    const { dispatcher: webhooks, settings } = dispatcher({ urls: [target.url], retryBaseMs: 60_000 });

    webhooks.send(paymentEvent('s1', 'iban_received'));
    await eventually(() => webhooks.deliveries().length === 1);
    webhooks.reset();
    expect(webhooks.deliveries()).toEqual([]);
    await webhooks.idle(); // the cancelled retry does not hold it for a minute

    settings.retryBaseMs = 10;
    webhooks.send(paymentEvent('s1', 'payment_created'));
    await webhooks.idle();
    expect(target.requests.map((request) => new URLSearchParams(request.body).get('status'))).toEqual([
      'iban_received',
      'payment_created',
    ]);
    expect(webhooks.deliveries().map((record) => [record.event, record.outcome])).toEqual([
      ['payment_session.status.payment_created', 'delivered'],
    ]);
  });

  it('close() clears pending timers and aborts requests in flight', async () => {
    const timersBefore = activeTimeouts();
    const failing = await receiver(() => 500);
    const hanging = await receiver(() => 'hang');
    const { dispatcher: webhooks } = dispatcher({
      urls: [failing.url, hanging.url],
      timeoutMs: 60_000,
      retryBaseMs: 60_000,
    });

    webhooks.send(paymentEvent('s1'));
    webhooks.send(paymentEvent('s2'));
    await eventually(() => webhooks.deliveries().length === 2 && hanging.requests.length === 2);
    expect(activeTimeouts()).toBeGreaterThan(timersBefore);

    const closing = performance.now();
    await webhooks.close();
    await webhooks.idle();
    expect(performance.now() - closing).toBeLessThan(1_000);
    expect(activeTimeouts()).toBe(timersBefore);
    expect(webhooks.deliveries().map((record) => record.outcome)).toEqual(['failed', 'failed']);

    webhooks.send(paymentEvent('s3'));
    await webhooks.idle();
    expect(failing.requests).toHaveLength(2);
    expect(hanging.requests).toHaveLength(2);
  });

  it('rotates the signed-header list per delivery, keeps it on retries, and the SDK verifies each', async () => {
    let s1Failed = false; // s1's first attempt fails, so its retry shows the list is kept
    const target = await receiver((_index, body) => {
      if (s1Failed || new URLSearchParams(body).get('session_id') !== 's1') return 200;
      s1Failed = true;
      return 500;
    });
    // The official SDK rebuilds `(request-target)` as `post /webhook`: deliver there so it can check it.
    const url = target.url.replace('/webhooks/fintecture', '/webhook');
    const { dispatcher: webhooks } = dispatcher({ urls: [url], signedHeaderLists: ROTATING_HEADER_LISTS });

    for (const sessionId of ['s1', 's2', 's3', 's4']) webhooks.send(paymentEvent(sessionId));
    await webhooks.idle();

    const listOf = (request: ReceivedRequest) =>
      /headers="([^"]+)"/.exec(String(request.headers.signature))?.[1];
    const bySession = target.requests.map((request) => [
      new URLSearchParams(request.body).get('session_id'),
      listOf(request),
    ]);
    expect(bySession.sort()).toEqual([
      ['s1', 'date digest x-request-id'],
      ['s1', 'date digest x-request-id'], // the retry of the first delivery
      ['s2', '(request-target) date digest x-request-id'],
      ['s3', 'date digest'],
      ['s4', 'date digest x-request-id'],
    ]);
    for (const request of target.requests) expect(sdkAccepts(request)).toBe(true);
    // Sessions are delivered in parallel: compare as sets of attempts.
    expect(
      webhooks
        .deliveries()
        .map((record) => record.signedHeaders)
        .sort(),
    ).toEqual(target.requests.map(listOf).sort());

    webhooks.reset(); // the rotation starts again
    webhooks.send(paymentEvent('s5'));
    await webhooks.idle();
    expect(listOf(target.requests.at(-1)!)).toBe('date digest x-request-id');
  });

  it("dateStamp 'event': every attempt carries the event's time, however late the offset and retries make it", async () => {
    const occurredAt = Date.now() - 10 * 60_000;
    const target = await receiver((index) => (index < 2 ? 503 : 200));
    const { dispatcher: webhooks } = dispatcher({ urls: [target.url], offsetMs: 50, dateStamp: 'event' });

    webhooks.send({ ...paymentEvent('s1'), occurredAt });
    await webhooks.idle();

    const eventDate = new Date(occurredAt).toUTCString();
    expect(target.requests.map((request) => request.headers.date)).toEqual([eventDate, eventDate, eventDate]);
    expect(webhooks.deliveries().map((record) => record.date)).toEqual([eventDate, eventDate, eventDate]);
    for (const request of target.requests) expect(sdkAccepts(request)).toBe(true); // the SDK checks no freshness
  });

  it("dateStamp 'attempt' (the default) stamps each attempt afresh; the offset runs from the event", async () => {
    const target = await receiver();
    const { dispatcher: webhooks } = dispatcher({ urls: [target.url], offsetMs: 60_000 });

    const sentAt = performance.now();
    // The event happened two minutes ago: its one-minute offset is over, so it goes at once.
    webhooks.send({ ...paymentEvent('s1'), occurredAt: Date.now() - 120_000 });
    await webhooks.idle();

    expect(performance.now() - sentAt).toBeLessThan(5_000);
    const date = Date.parse(String(target.requests[0]?.headers.date));
    expect(Math.abs(date - Date.now())).toBeLessThan(5_000);
  });
});
