import { constants, createHash, privateDecrypt } from 'node:crypto';
import { requestToken, sdkRequest, type ApiCredentials } from '../support/fintecture-sdk';
import {
  linkPayoutBody,
  payoutQuery,
  TEST_BIC,
  TEST_IBAN,
  verifiedPayoutBody,
} from '../support/payout-bodies';
import { startSandboxProcess, type SandboxProcess } from '../support/sandbox-process';
import { eventually } from '../support/wait';
import { WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver';
import { type SandboxForeignSession } from '../support/sandbox-foreign';

/**
 * The default profile: only what Fintecture documents (fintecture-api.md §4, §5, §7, §9 as corrected on
 * 2026-11-30). Every test starts from `POST /_sandbox/reset`: no payouts, the four start-up foreign
 * sessions, the webhook header rotation at its start.
 */

interface ListItem {
  id: string;
  type: string;
  attributes: Record<string, string | undefined>;
  meta: { session_id: string; status: string; type: string };
}
interface Read {
  meta: { session_id: string; status: string; type: string; customer_id?: string };
  data: { id: string; type: string; attributes: Record<string, string | undefined> };
}
type ForeignView = SandboxForeignSession;
interface PayoutView {
  sessionId: string;
  endToEndId: string;
  createdAt: string;
  history: { at: string; status: string; transferState?: string }[];
}

const READ_META_KEYS = ['session_id', 'status', 'type', 'customer_id'];
const READ_ATTRIBUTE_KEYS = [
  'amount',
  'currency',
  'communication',
  'end_to_end_id',
  'execution_date',
  'payment_scheme',
  'transfer_state',
  'transfer_reason',
];
const HEX32 = /^[0-9a-f]{32}$/;

let sandbox: SandboxProcess;
let api: ApiCredentials;
let token: string;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  await receiver.start();
  // No SANDBOX_PROFILE: documented is the default.
  sandbox = await startSandboxProcess({ SANDBOX_WEBHOOK_URL: receiver.url });
  api = sandbox;
  token = await requestToken(api);
});
afterAll(async () => {
  await sandbox.stop();
  await receiver.stop();
});
beforeEach(() => sandbox.control('POST', '/reset'));

async function createVerified(amount = '26.99', endToEndId?: string) {
  const { path, state } = payoutQuery();
  const response = await sdkRequest<{ meta: Record<string, unknown>; data: Read['data'] }>(
    api,
    token,
    'POST',
    path,
    verifiedPayoutBody(amount, endToEndId),
  );
  expect(response.status).toBe(201);
  return { sessionId: String(response.body.meta.session_id), state, response };
}

async function createLink(method = 'link') {
  const body = linkPayoutBody({ method });
  if (method === 'sms') Object.assign(body.meta, { psu_phone: '601020304', psu_phone_prefix: '+33' });
  const response = await sdkRequest<{ meta: { session_id: string } }>(
    api,
    token,
    'POST',
    payoutQuery().path,
    body,
  );
  expect(response.status).toBe(201);
  return { sessionId: response.body.meta.session_id, response };
}

const read = (sessionId: string) => sdkRequest<Read>(api, token, 'GET', `/pis/v2/payments/${sessionId}`);
const listPage = (params: Record<string, string> = {}) => {
  const query = new URLSearchParams(params).toString();
  return sdkRequest<{ data: ListItem[] }>(api, token, 'GET', `/pis/v2/payments${query ? `?${query}` : ''}`);
};
const foreignSessions = () => sandbox.control<ForeignView[]>('GET', '/foreign');
const payouts = () => sandbox.control<PayoutView[]>('GET', '/payouts');

/** Every page until the first empty one. */
async function allPages(): Promise<ListItem[][]> {
  const pages: ListItem[][] = [];
  for (let number = 1; ; number++) {
    const page = await listPage({ 'page[number]': String(number) });
    expect(page.status).toBe(200);
    if (page.body.data.length === 0) return pages;
    pages.push(page.body.data);
  }
}

function expectDocumentedRead(body: Read) {
  expect(Object.keys(body)).toEqual(['meta', 'data']);
  expect(READ_META_KEYS).toEqual(expect.arrayContaining(Object.keys(body.meta)));
  expect(Object.keys(body.data)).toEqual(['id', 'type', 'attributes']);
  expect(READ_ATTRIBUTE_KEYS).toEqual(expect.arrayContaining(Object.keys(body.data.attributes)));
}

function expectDocumentedListItem(item: ListItem) {
  expect(Object.keys(item)).toEqual(['id', 'type', 'attributes', 'meta']);
  expect(Object.keys(item.meta)).toEqual(['session_id', 'status', 'type']);
  expect(READ_ATTRIBUTE_KEYS).toEqual(expect.arrayContaining(Object.keys(item.attributes)));
}

describe('profile', () => {
  it('is documented by default, in the ready line and in /_sandbox/info', async () => {
    expect((sandbox as SandboxProcess & { profile?: string }).profile).toBe('documented');
    const info = await sandbox.control<{ profile: string; config: Record<string, unknown> }>('GET', '/info');
    expect(info.profile).toBe('documented');
    expect(info.config).toMatchObject({
      profile: 'documented',
      listPageSize: 10,
      webhookSignedHeaders: 'rotate',
    });
  });

  it('refuses an unknown profile or header list in PATCH /_sandbox/config', async () => {
    await expect(sandbox.control('PATCH', '/config', { profile: 'lenient' })).rejects.toThrow(/400.*profile/);
    await expect(sandbox.control('PATCH', '/config', { webhookSignedHeaders: 'date host' })).rejects.toThrow(
      /400.*webhookSignedHeaders.*unknown header/,
    );
    await expect(sandbox.control('PATCH', '/config', { listPageSize: 0 })).rejects.toThrow(/400/);
  });
});

describe('create answers', () => {
  it.each(['link', 'email', 'sms'])(
    'scenario 1 (%s) answers exactly the guide: 201 {"meta":{code,session_id,method,url}}, no status, no data',
    async (method) => {
      const { sessionId, response } = await createLink(method);
      expect(sessionId).toMatch(HEX32);
      const url = `${api.baseUrl}/pay/${sessionId}`;
      expect(response.text).toBe(
        `{"meta":{"code":201,"session_id":"${sessionId}","method":"${method}","url":"${url}"}}`,
      );
      // The status is learnt by reading the session.
      const session = await read(sessionId);
      expect(session.body.meta.status).toBe('iban_required');
    },
  );

  it('scenario 2 answers the documented shape, with `scheme` and Fintecture’s own end_to_end_id', async () => {
    const { sessionId, response } = await createVerified('26.99', 'E2E-ORDER-42');
    expect(Object.keys(response.body)).toEqual(['meta', 'data']);
    expect(response.body.meta).toEqual({
      status: 'payment_created',
      session_id: sessionId,
      type: 'RequestForPayout',
    });
    expect(response.body.data).toMatchObject({ id: sessionId, type: 'payments' });
    expect(response.body.data.attributes).toMatchObject({
      amount: '26.99',
      currency: 'EUR',
      scheme: 'INSTANT_SEPA',
      transfer_state: 'initiated',
      end_to_end_id: expect.stringMatching(HEX32),
      beneficiary: { name: 'John Doe', iban: TEST_IBAN, swift_bic: TEST_BIC },
    });
  });
});

describe('end_to_end_id', () => {
  it('ignores the one the client sends and shows its own everywhere: create answer, reads, lists, webhooks', async () => {
    const verified = await createVerified('31.00', 'E2E-ORDER-42');
    const own = verified.response.body.data.attributes.end_to_end_id ?? '';
    expect(own).toMatch(HEX32);
    expect((await read(verified.sessionId)).body.data.attributes.end_to_end_id).toBe(own);
    const item = (await listPage()).body.data.find((i) => i.id === verified.sessionId);
    expect(item?.attributes.end_to_end_id).toBe(own);
    expect((await sandbox.control<PayoutView>('GET', `/payouts/${verified.sessionId}`)).endToEndId).toBe(own);
    const webhooks = await eventually(
      () => receiver.accepted(verified.sessionId),
      (list) => list.length > 0,
      { what: 'a webhook' },
    );
    expect(webhooks.every((w) => w.fields.end_to_end_id === own)).toBe(true);

    const { path } = payoutQuery();
    const linkBody = linkPayoutBody() as { data: { attributes: Record<string, unknown> } };
    linkBody.data.attributes.end_to_end_id = 'E2E-ORDER-43';
    const link = await sdkRequest<{ meta: { session_id: string } }>(api, token, 'POST', path, linkBody);
    const linkE2e = (await read(link.body.meta.session_id)).body.data.attributes.end_to_end_id;
    expect(linkE2e).toMatch(HEX32);
    expect(linkE2e).not.toBe(own);
  });
});

describe('reads', () => {
  it('show only the guide’s fields (no beneficiary, no state), for payouts and cancel answers alike', async () => {
    const { sessionId } = await createVerified('32.00');
    await eventually(
      () => read(sessionId),
      (r) => r.body.data.attributes.transfer_state === 'completed',
      { what: 'settlement' },
    );
    const settled = await read(sessionId);
    expectDocumentedRead(settled.body);
    expect(settled.body.meta).toMatchObject({
      session_id: sessionId,
      status: 'payment_created',
      type: 'RequestForPayout',
      customer_id: expect.stringMatching(HEX32),
    });
    expect(settled.body.data.attributes).toMatchObject({ payment_scheme: 'INSTANT_SEPA' });
    expect(settled.text).not.toMatch(/"state"|beneficiary/);

    const link = await createLink();
    const cancelled = await sdkRequest<Read>(api, token, 'PATCH', `/pis/v2/payments/${link.sessionId}`, {
      meta: { status: 'payment_cancelled' },
    });
    expect(cancelled.status).toBe(200);
    expectDocumentedRead(cancelled.body);
    expect(cancelled.body.data.attributes).toMatchObject({
      transfer_state: 'cancelled',
      transfer_reason: 'api_cancellation',
    });
  });
});

describe('GET /pis/v2/payments', () => {
  it('answers only {"data":[…]}: fixed pages of 10, newest first, no page count, [] past the end', async () => {
    const created: string[] = [];
    for (const amount of ['41.00', '42.00', '43.00', '44.00', '45.00']) {
      created.push((await createVerified(amount)).sessionId);
    }
    // 4 start-up foreign sessions + 5 payouts + 1 foreign session after each create.
    const pages = await allPages();
    expect(pages.map((page) => page.length)).toEqual([10, 4]);
    const first = await listPage();
    expect(Object.keys(first.body)).toEqual(['data']);
    const beyond = await listPage({ 'page[number]': '3' });
    expect(beyond.text).toBe('{"data":[]}');
    expect((await listPage({ 'page[number]': '999' })).text).toBe('{"data":[]}');

    const ids = pages.flat().map((item) => item.id);
    const everySession = [...(await payouts()), ...(await foreignSessions())].sort((a, b) =>
      b.createdAt.localeCompare(a.createdAt),
    );
    expect(ids).toEqual(everySession.map((session) => session.sessionId));
    expect(ids.filter((id) => created.includes(id))).toEqual([...created].reverse());
    for (const item of pages.flat()) expectDocumentedListItem(item);
  });

  it('ignores every filter and page[size], and honours page[number]', async () => {
    await createLink(); // stays iban_required: the two lists below see the same thing
    const plain = await listPage();
    const filtered = await listPage({
      'filter[state]': 'payout-of-nobody',
      'filter[end_to_end_id]': 'E2E-OF-NOBODY',
      'filter[status]': 'payment_cancelled',
      'filter[from]': '2000-01-01',
      'filter[to]': '2000-01-02',
      'page[size]': '2',
    });
    expect(filtered.status).toBe(200);
    expect(filtered.body).toEqual(plain.body);
    expect((await listPage({ 'page[size]': 'not-a-number' })).status).toBe(200);
    expect((await listPage({ 'page[number]': '0' })).status).toBe(400);
  });

  it('shows a session created, or changed, since the previous read of the list, and forgets them on reset', async () => {
    const link = await createLink();
    const before = (await allPages()).flat();
    expect(before.find((item) => item.id === link.sessionId)?.meta.status).toBe('iban_required');

    const cancelled = await sdkRequest(api, token, 'PATCH', `/pis/v2/payments/${link.sessionId}`, {
      meta: { status: 'payment_cancelled' },
    });
    expect(cancelled.status).toBe(200);
    const later = await createVerified('48.00');
    const after = (await allPages()).flat();
    // The create added the payout and one foreign session, both newer than everything listed before.
    expect(after).toHaveLength(before.length + 2);
    expect(after.slice(0, 2).map((item) => item.id)).toContain(later.sessionId);
    expect(after.find((item) => item.id === link.sessionId)?.meta.status).toBe('payment_cancelled');

    await sandbox.control('POST', '/reset');
    const ids = (await allPages()).flat().map((item) => item.id);
    expect(ids).not.toContain(link.sessionId);
    expect(ids).not.toContain(later.sessionId);
    expect(ids).toHaveLength((await foreignSessions()).length);
  });

  it('takes its page size from SANDBOX_LIST_PAGE_SIZE / listPageSize', async () => {
    await createVerified('47.00');
    await sandbox.control('PATCH', '/config', { listPageSize: 4 });
    try {
      expect((await allPages()).map((page) => page.length)).toEqual([4, 2]);
    } finally {
      await sandbox.control('PATCH', '/config', { listPageSize: 10 });
    }
  });
});

describe('foreign sessions', () => {
  it('are seeded at start-up and after a reset: one of each kind, shaped as documented', async () => {
    const seeded = await foreignSessions();
    expect(seeded.map((s) => [s.kind, s.type, s.status, s.transferState])).toEqual([
      ['pay-in-ordered', 'PayByBank', 'order_created', null],
      ['pay-in-overpaid', 'PayByBank', 'payment_created', 'overpaid'],
      ['other-payout', 'RequestForPayout', 'payout_scheduled', 'returned'],
      ['lookalike-payout', 'RequestForPayout', 'iban_required', null],
    ]);
    for (const session of seeded) {
      expect(session.sessionId).toMatch(HEX32);
      expect(session.amount).toMatch(/^\d+\.\d{2}$/);
      const fetched = await read(session.sessionId);
      expect(fetched.status).toBe(200);
      expectDocumentedRead(fetched.body);
      expect(fetched.body.meta).toMatchObject({
        session_id: session.sessionId,
        status: session.status,
        type: session.type,
      });
      expect(session.listItem).toEqual({
        id: session.sessionId,
        type: 'payments',
        attributes: fetched.body.data.attributes,
        meta: { session_id: session.sessionId, status: session.status, type: session.type },
      });
    }
    await sandbox.control('POST', '/reset');
    const reseeded = await foreignSessions();
    expect(reseeded.map((s) => s.kind)).toEqual(seeded.map((s) => s.kind));
    expect(reseeded.map((s) => s.sessionId)).not.toEqual(seeded.map((s) => s.sessionId));
    expect((await read(seeded[0]!.sessionId)).status).toBe(404);
  });

  it('follow each create, rotating kinds; the lookalike copies amount and currency, not the communication', async () => {
    const amounts = ['51.00', '52.00', '53.00', '54.00'];
    for (const amount of amounts) await createVerified(amount);
    const added = (await foreignSessions()).slice(4);
    expect(added.map((s) => s.kind)).toEqual([
      'pay-in-ordered',
      'pay-in-overpaid',
      'other-payout',
      'lookalike-payout',
    ]);
    const lookalike = added[3]!;
    expect(lookalike).toMatchObject({
      type: 'RequestForPayout',
      status: 'iban_required',
      amount: '54.00',
      currency: 'EUR',
    });
    const ours = verifiedPayoutBody().data.attributes.communication;
    expect(lookalike.communication).not.toBe(ours);
    // A near miss: the same words but the last (another order's reference).
    expect(lookalike.communication?.split(' ').slice(0, -1)).toEqual(ours.split(' ').slice(0, -1));
    expect(lookalike.communication).toHaveLength(ours.length);

    // Not payouts of ours: absent from the control list, and no webhooks for them.
    const payoutIds = (await payouts()).map((p) => p.sessionId);
    expect(payoutIds).toHaveLength(4);
    const foreignIds = (await foreignSessions()).map((s) => s.sessionId);
    expect(payoutIds.filter((id) => foreignIds.includes(id))).toEqual([]);
    await eventually(
      () => receiver.accepted().filter((w) => payoutIds.includes(w.fields.session_id ?? '')),
      (list) => list.length >= 4,
      { what: 'webhooks of the payouts' },
    );
    expect(receiver.received.filter((w) => foreignIds.includes(w.fields.session_id ?? ''))).toEqual([]);
  });

  it('include one unreadable list entry per 20 sessions, which cannot be fetched', async () => {
    // 4 seeds + 8 × (payout + foreign session) = 20 sessions: the 20th brings the first malformed entry.
    for (let i = 0; i < 7; i++) await createVerified(`6${i}.00`);
    expect((await foreignSessions()).filter((s) => s.kind === 'malformed')).toEqual([]);
    await createVerified('67.00');
    const malformed = (await foreignSessions()).filter((s) => s.kind === 'malformed');
    expect(malformed).toHaveLength(1);
    const entry = malformed[0]!;
    expect(entry.readable).toBe(false);
    const listed = (await allPages()).flat() as unknown as Record<string, unknown>[];
    expect(listed).toHaveLength(21);
    const garbage = listed.filter(
      (item) => typeof item.meta !== 'object' || typeof item.attributes !== 'object',
    );
    expect(garbage).toEqual([entry.listItem]);
    expect(entry.listItem.meta).toBeUndefined(); // the first form: no meta at all
    expect((await read(entry.sessionId)).status).toBe(404);
  });

  it('can be cancelled while cancellable, like any session (a client that mistook one would show here)', async () => {
    const lookalike = (await foreignSessions()).find((s) => s.kind === 'lookalike-payout')!;
    const other = (await foreignSessions()).find((s) => s.kind === 'other-payout')!;
    const cancel = (id: string) =>
      sdkRequest<Read>(api, token, 'PATCH', `/pis/v2/payments/${id}`, {
        meta: { status: 'payment_cancelled' },
      });
    expect((await cancel(other.sessionId)).status).toBe(400);
    const cancelled = await cancel(lookalike.sessionId);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.meta.status).toBe('payment_cancelled');
    expect((await foreignSessions()).find((s) => s.sessionId === lookalike.sessionId)?.status).toBe(
      'payment_cancelled',
    );
  });

  it('are hidden by the friendly profile', async () => {
    const { sessionId } = await createVerified('71.00');
    const foreignId = (await foreignSessions())[0]!.sessionId;
    await sandbox.control('PATCH', '/config', { profile: 'friendly' });
    try {
      const list = await sdkRequest<{ data: { id: string }[]; meta: { total: number } }>(
        api,
        token,
        'GET',
        '/pis/v2/payments',
      );
      expect(list.body.data.map((item) => item.id)).toEqual([sessionId]);
      expect(list.body.meta.total).toBe(1);
      expect((await read(foreignId)).status).toBe(404);
    } finally {
      await sandbox.control('PATCH', '/config', { profile: 'documented' });
    }
    expect((await read(foreignId)).status).toBe(200);
  });
});

/** Decrypts a webhook's signature with the merchant private key and rebuilds what it should say. */
function openSignature(webhook: ReceivedWebhook, privateKeyPem: string, requestTarget: string) {
  const signature = String(webhook.headers.signature);
  const list = /headers="([^"]+)"/.exec(signature)?.[1] ?? '';
  const ciphertext = /signature="([^"]+)"/.exec(signature)?.[1] ?? '';
  const plaintext = privateDecrypt(
    { key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(ciphertext, 'base64'),
  ).toString('utf8');
  const expected = list
    .split(' ')
    .map((name) => `${name}: ${name === '(request-target)' ? requestTarget : String(webhook.headers[name])}`)
    .join('\n');
  return { list, plaintext, expected };
}

describe('webhooks', () => {
  const requestTarget = 'post /webhooks/fintecture';

  async function settleLink(): Promise<ReceivedWebhook[]> {
    const { sessionId } = await createLink();
    await sandbox.control('POST', `/payouts/${sessionId}/payee`, {
      name: 'John Doe',
      iban: TEST_IBAN,
      bic: TEST_BIC,
    });
    return eventually(
      () => receiver.accepted(sessionId),
      (list) => list.some((w) => w.fields.transfer_state === 'completed'),
      { what: 'the completed webhook' },
    );
  }

  it('rotate the signed-header list per delivery; each decrypts to exactly its listed headers', async () => {
    const webhooks = await settleLink();
    expect(webhooks.map((w) => openSignature(w, sandbox.privateKeyPem, requestTarget).list)).toEqual([
      'date digest x-request-id',
      '(request-target) date digest x-request-id',
      'date digest',
      'date digest x-request-id',
      '(request-target) date digest x-request-id',
    ]);
    for (const webhook of webhooks) {
      const { plaintext, expected } = openSignature(webhook, sandbox.privateKeyPem, requestTarget);
      expect(plaintext).toBe(expected);
      expect(webhook.headers.digest).toBe(
        `SHA-256=${createHash('sha256').update(webhook.rawBody, 'utf8').digest('base64')}`,
      );
      expect(webhook.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/); // sent even when not signed
    }
    const deliveries = await sandbox.control<{ signedHeaders: string; date: string }[]>(
      'GET',
      '/webhooks/deliveries',
    );
    expect(deliveries.map((d) => d.signedHeaders)).toEqual(
      webhooks.map((w) => openSignature(w, sandbox.privateKeyPem, requestTarget).list),
    );
  });

  it('sign a forced list when webhookSignedHeaders names one', async () => {
    await sandbox.control('PATCH', '/config', { webhookSignedHeaders: '(request-target) date digest' });
    try {
      const webhooks = await settleLink();
      for (const webhook of webhooks) {
        const { list, plaintext, expected } = openSignature(webhook, sandbox.privateKeyPem, requestTarget);
        expect(list).toBe('(request-target) date digest');
        expect(plaintext).toBe(expected);
        expect(plaintext.split('\n')[0]).toBe(`(request-target): ${requestTarget}`);
      }
    } finally {
      await sandbox.control('PATCH', '/config', { webhookSignedHeaders: 'rotate' });
    }
  });

  it('carry the event’s time as Date, unchanged by the offset and every retry; friendly re-stamps', async () => {
    await sandbox.control('PATCH', '/config', { webhookOffsetMs: 1_500 });
    try {
      receiver.failNext(2);
      const { sessionId } = await createVerified('409.00');
      const attempts = await eventually(
        () =>
          receiver.received.filter(
            (w) => w.fields.session_id === sessionId && w.fields.transfer_state === 'initiated',
          ),
        (list) => list.some((w) => w.answeredWith === 200),
        { what: 'the first webhook after two failures' },
      );
      expect(attempts.map((w) => w.answeredWith)).toEqual([500, 500, 200]);
      const eventAt = Date.parse(
        (await sandbox.control<PayoutView>('GET', `/payouts/${sessionId}`)).history[0]!.at,
      );
      const stamped = new Date(Math.floor(eventAt / 1000) * 1000).toUTCString();
      expect(attempts.map((w) => w.headers.date)).toEqual([stamped, stamped, stamped]);
      for (const webhook of attempts) {
        const { plaintext, expected } = openSignature(webhook, sandbox.privateKeyPem, requestTarget);
        expect(plaintext).toBe(expected); // re-encrypted, same Date inside
      }

      await sandbox.control('PATCH', '/config', { profile: 'friendly' });
      const friendly = await createVerified('409.00');
      const [restamped] = await eventually(
        () => receiver.accepted(friendly.sessionId),
        (list) => list.length > 0,
        { what: 'the friendly webhook' },
      );
      const friendlyEventAt = Date.parse(
        (await sandbox.control<PayoutView>('GET', `/payouts/${friendly.sessionId}`)).history[0]!.at,
      );
      // Stamped when sent, 1.5 s after the event: at least the next second.
      expect(Date.parse(String(restamped?.headers.date))).toBeGreaterThanOrEqual(
        Math.floor(friendlyEventAt / 1000) * 1000 + 1000,
      );
      expect(restamped?.headers.signature).toMatch(/headers="date digest x-request-id"/);
    } finally {
      await sandbox.control('PATCH', '/config', { webhookOffsetMs: 0, profile: 'documented' });
    }
  });
});
