import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: string;
  fields: Record<string, string>;
  answeredWith: number;
}

/** A local HTTP endpoint that records what it receives; `failNext(n)` answers 500 to the next n requests. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private failures = 0;
  private server?: Server;
  url = '';

  failNext(count: number): void {
    this.failures = count;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const status = this.failures > 0 ? 500 : 200;
        if (this.failures > 0) this.failures -= 1;
        this.received.push({
          headers: req.headers,
          rawBody,
          fields: Object.fromEntries(new URLSearchParams(rawBody)),
          answeredWith: status,
        });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/webhooks/fintecture`;
    return this;
  }

  accepted(sessionId?: string): ReceivedWebhook[] {
    return this.received.filter(
      (w) => w.answeredWith === 200 && (!sessionId || w.fields.session_id === sessionId),
    );
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
