/**
 * Talks to a Fintecture API (the sandbox) the way the official `fintecture-client` SDK does: headers are
 * built and signed by the SDK itself, so these helpers are an outside oracle, independent of our client.
 */
// The SDK ships CommonJS without typings for these internals.
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

export interface ApiCredentials {
  baseUrl: string;
  appId: string;
  appSecret: string;
  privateKeyPem: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function requestToken(api: ApiCredentials, scope = 'PIS'): Promise<string> {
  const response = await fetch(`${api.baseUrl}/oauth/accesstoken`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${api.appId}:${api.appSecret}`).toString('base64')}`,
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', app_id: api.appId, scope }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token) throw new Error(`token request failed: ${response.status}`);
  return body.access_token;
}

/** Headers exactly as the SDK would send them for this request (Signature, Digest, Date, X-Request-ID…). */
export function sdkHeaders(
  api: ApiCredentials,
  token: string,
  method: string,
  pathAndQuery: string,
  body?: unknown,
) {
  const headers = getHeaders(
    method,
    `${api.baseUrl}${pathAndQuery}`,
    token,
    { app_id: api.appId, private_key: api.privateKeyPem },
    body,
  );
  // The SDK adds Content-Type only for POST/PUT; PATCH bodies are JSON too.
  if (body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
  return headers;
}

/** Sends a request signed by the SDK; `options.mutate` may tamper with headers or body after signing. */
export async function sdkRequest<T = unknown>(
  api: ApiCredentials,
  token: string,
  method: string,
  pathAndQuery: string,
  body?: unknown,
  options: {
    mutate?: (request: { path: string; headers: Record<string, string>; body: string | undefined }) => void;
    signal?: AbortSignal;
  } = {},
): Promise<ApiResponse<T>> {
  const request = {
    path: pathAndQuery,
    headers: sdkHeaders(api, token, method, pathAndQuery, body),
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  };
  options.mutate?.(request);
  const response = await fetch(`${api.baseUrl}${request.path}`, {
    method,
    headers: request.headers,
    body: request.body,
    signal: options.signal,
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}
