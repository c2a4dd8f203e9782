import type { IncomingMessage, ServerResponse } from 'node:http';

/** Fintecture bodies are small; anything larger is refused rather than buffered. */
export const MAX_BODY_BYTES = 256 * 1024;

export class BodyTooLargeError extends Error {
  constructor() {
    super(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The exact bytes received: signatures and digests are checked on these, never on a re-serialisation. */
export function readRawBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** What a handler answers; the server decides whether to send it (fault injection may drop it). */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(value),
});

export const html = (status: number, page: string): Reply => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  body: page,
});

export const redirect = (location: string): Reply => ({ status: 303, headers: { location } });

export function sendReply(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, reply.headers ?? {});
  res.end(reply.body ?? '');
}

/** The header value as one string (Node joins some repeated headers; we refuse ambiguity elsewhere). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}
