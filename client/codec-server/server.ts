import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Payload, type PayloadCodec } from '@temporalio/common';
import { constantTimeEqual } from '../../common/constant-time';

/**
 * Temporal's codec-server protocol (`POST /encode`, `POST /decode`, JSON `{payloads: [{metadata, data}]}`
 * with base64 values), so the Web UI and `temporal workflow show --codec-endpoint` can show encrypted
 * payloads to authorised operators. Protected twice: a bearer token (the Web UI, which cannot send one
 * without SSO, may carry it as the first path segment: `--ui-codec-endpoint http://host/<token>`), and
 * browsers are only allowed from the configured Web UI origin (CORS).
 */
export interface CodecServerOptions {
  codec: PayloadCodec;
  token: string;
  /** The Web UI's origin, e.g. `http://127.0.0.1:8233`. */
  allowedOrigin: string;
  log?: (event: string, fields: Record<string, string | number>) => void;
  maxBodyBytes?: number;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (payload: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(payload.data ?? '', 'base64'),
});

const toJson = (payload: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createCodecServer(options: CodecServerOptions): Server {
  const log = options.log ?? (() => {});
  const limit = options.maxBodyBytes ?? 4 * 1024 * 1024;

  function send(res: ServerResponse, status: number, body: unknown, origin: string | undefined) {
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(origin === options.allowedOrigin ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {}),
    });
    res.end(JSON.stringify(body));
  }

  return createServer((req, res) => {
    void (async () => {
      const origin = req.headers.origin;
      // A browser from anywhere but the Web UI is refused outright.
      if (origin !== undefined && origin !== options.allowedOrigin) {
        log('codec_refused', { reason: 'origin' });
        return send(res, 403, { error: 'origin not allowed' }, undefined);
      }
      const url = new URL(req.url ?? '/', 'http://codec.invalid');
      const segments = url.pathname.split('/').filter(Boolean);
      let token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (segments.length === 2) token ??= segments.shift();
      const action = segments.join('/');

      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-origin': options.allowedOrigin,
          'access-control-allow-methods': 'POST, OPTIONS',
          'access-control-allow-headers': 'content-type, x-namespace, authorization',
          'access-control-max-age': '600',
          vary: 'Origin',
        });
        return res.end();
      }
      if (!token || !constantTimeEqual(token, options.token)) {
        log('codec_refused', { reason: 'token' });
        return send(res, 401, { error: 'unauthorized' }, origin);
      }
      if (req.method !== 'POST' || (action !== 'encode' && action !== 'decode')) {
        // Never the path itself: the Web UI may carry the token in it.
        const route = action === 'encode' || action === 'decode' ? action : 'unknown';
        log('codec_refused', { reason: 'route', method: req.method ?? '', route });
        return send(res, 404, { error: 'POST /encode or /decode' }, origin);
      }
      const body = await readBody(req, limit);
      if (!body) return send(res, 413, { error: 'body too large' }, origin);
      let payloads: Payload[];
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { payloads?: JsonPayload[] };
        if (!Array.isArray(parsed.payloads)) throw new Error('no payloads');
        payloads = parsed.payloads.map(fromJson);
      } catch {
        return send(res, 400, { error: 'body must be {"payloads": [...]}' }, origin);
      }
      try {
        const result =
          action === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
        log('codec_served', { action, payloads: payloads.length });
        return send(res, 200, { payloads: result.map(toJson) }, origin);
      } catch (error) {
        log('codec_failed', { action, error: error instanceof Error ? error.name : 'unknown' });
        return send(res, 422, { error: error instanceof Error ? error.message : 'codec failed' }, origin);
      }
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'internal error' }, undefined);
    });
  });
}
