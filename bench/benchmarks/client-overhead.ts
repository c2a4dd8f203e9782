import { createPrivateKey, createSign, randomUUID } from 'node:crypto';
import { type Logger } from '@temporalio/common';
import { FintectureClient as SdkClient } from 'fintecture-client';
import { Secret } from '../../common/secret';
import { FintectureHttp, type HttpExchange } from '../../activities/fintecture/http';
import { buildSignatureHeader, digestHeaderFor, httpDate } from '../../activities/fintecture/signing';
import { measureRate, type Rate } from '../lib/rate';

/**
 * Fintecture client overhead, without a network: signed requests per second built by our client
 * (`FintectureHttp` with a fetch that answers at once) and by the official `fintecture-client` SDK (its
 * axios adapter answers at once), for the same requests — plus the signing step alone, and the RSA-SHA256
 * signature alone (the ceiling: the one expensive step neither can avoid).
 */

// The SDK ships CommonJS without typings for these internals (as test/support/fintecture-sdk.ts uses them).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getHeaders } = require('fintecture-client/lib/src/services/ApiService') as {
  getHeaders(
    method: string,
    url: string,
    accessToken: string | null,
    config: { app_id: string; private_key: string },
    body?: unknown,
  ): Record<string, string>;
};

interface AxiosLike {
  defaults: { adapter?: unknown };
  post(url: string, body: unknown, options: { headers: Record<string, string> }): Promise<unknown>;
}
interface SdkPis {
  axiosInstance: AxiosLike;
  getPayments(token: string, sessionId: string): Promise<unknown>;
}

export interface ClientOverheadResult {
  keyBits: number;
  /** GET /pis/v2/payments/{id} (the poll), the whole client path. */
  fetchPayment: { ours: Rate; sdk: Rate; ratio: number };
  /** POST /pis/v2/request-for-payout with its JSON body, the whole client path. */
  createPayout: { ours: Rate; sdk: Rate; ratio: number };
  /** Signature headers only (digest + signing string + RSA signature), for the POST. */
  signingOnly: { ours: Rate; sdk: Rate; ratio: number };
  /** RSA-SHA256 signatures per second with a parsed key (ours) and re-parsing the PEM each time (SDK). */
  rsaSign: { keyObject: Rate; pemString: Rate };
}

const silent: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

const CREATE_BODY = {
  meta: { psu_name: 'John Doe', psu_email: 'john@doe.example', expiry: 604800, method: 'link' },
  data: {
    type: 'payments',
    attributes: {
      amount: '26.99',
      currency: 'EUR',
      communication: 'MyShop REFUND from Order 123',
      end_to_end_id: '0123456789abcdef0123456789abcdef',
      beneficiary: { name: 'John Doe', iban: 'FR1420041010050500013M02606', swift_bic: 'PSSTFRPPXXX' },
    },
  },
};
const CREATE_QUERY = [
  ['redirect_uri', 'http://127.0.0.1:4000/payouts/return'],
  ['state', 'payout-123'],
] as const;

export async function runClientOverhead(options: {
  privateKeyPem: string;
  appId: string;
  durationMs: number;
}): Promise<ClientOverheadResult> {
  const { privateKeyPem, appId, durationMs } = options;
  const key = createPrivateKey(privateKeyPem);
  const apiUrl = 'https://api-sandbox.fintecture.com';
  const sessionId = '0123456789abcdef0123456789abcdef';
  const token = 'bench-access-token';

  // Ours: the real class, its fetch answering at once (no socket, no server).
  const answerAtOnce: typeof fetch = async () =>
    new Response('{"meta":{}}', { status: 200, headers: { 'content-type': 'application/json' } });
  const http = new FintectureHttp({
    config: { apiUrl, appId, privateKey: new Secret(key) },
    clock: { now: () => Date.now() },
    logger: silent,
    fetch: answerAtOnce,
  });
  const authorization = new Secret(`Bearer ${token}`);
  const base = { authorization, signed: true, timeoutMs: 15_000 } as const;
  const oursFetch: HttpExchange = {
    ...base,
    operation: 'fetch',
    method: 'GET',
    path: `/pis/v2/payments/${sessionId}`,
    mutating: false,
  };
  const oursCreate: HttpExchange = {
    ...base,
    operation: 'create',
    method: 'POST',
    path: '/pis/v2/request-for-payout',
    query: CREATE_QUERY,
    body: { json: CREATE_BODY },
    mutating: true,
  };

  // The SDK: its PIS client, with the axios adapter answering at once.
  const sdk = new SdkClient({
    app_id: appId,
    app_secret: 'secret',
    private_key: privateKeyPem,
    env: 'sandbox',
  });
  const pis = (sdk as unknown as { pis: SdkPis }).pis;
  pis.axiosInstance.defaults.adapter = async (config: unknown) => ({
    data: { meta: {} },
    status: 200,
    statusText: 'OK',
    headers: {},
    config,
  });
  const sdkConfig = { app_id: appId, private_key: privateKeyPem };
  const createUrl = `/pis/v2/request-for-payout?${new URLSearchParams(CREATE_QUERY.map(([k, v]): [string, string] => [k, v])).toString()}`;
  // The SDK has no request-for-payout method: this is what its own POST methods (prepare, initiate…) do.
  const sdkCreate = () =>
    pis.axiosInstance.post(createUrl, CREATE_BODY, {
      headers: getHeaders('post', createUrl, token, sdkConfig, CREATE_BODY),
    });

  const oursSigning = () => {
    const body = new TextEncoder().encode(JSON.stringify(CREATE_BODY));
    return buildSignatureHeader(
      {
        method: 'POST',
        target: createUrl,
        date: httpDate(Date.now()),
        digest: digestHeaderFor(body),
        requestId: randomUUID(),
      },
      appId,
      key,
    );
  };
  const signingString = `(request-target): post ${createUrl}\ndate: ${httpDate(Date.now())}\nx-request-id: ${randomUUID()}`;

  const pair = async (ours: () => unknown, theirs: () => unknown) => {
    const oursRate = await measureRate(ours, { durationMs });
    const sdkRate = await measureRate(theirs, { durationMs });
    return {
      ours: oursRate,
      sdk: sdkRate,
      ratio: Math.round((oursRate.opsPerSecond / Math.max(1, sdkRate.opsPerSecond)) * 1000) / 1000,
    };
  };
  return {
    keyBits: key.asymmetricKeyDetails?.modulusLength ?? 0,
    fetchPayment: await pair(
      () => http.exchange(oursFetch),
      () => pis.getPayments(token, sessionId),
    ),
    createPayout: await pair(() => http.exchange(oursCreate), sdkCreate),
    signingOnly: await pair(oursSigning, () => getHeaders('post', createUrl, token, sdkConfig, CREATE_BODY)),
    rsaSign: {
      keyObject: await measureRate(() => createSign('RSA-SHA256').update(signingString).sign(key, 'base64'), {
        durationMs,
      }),
      pemString: await measureRate(
        () => createSign('RSA-SHA256').update(signingString).sign(privateKeyPem, 'base64'),
        { durationMs },
      ),
    },
  };
}
