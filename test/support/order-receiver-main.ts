/**
 * A stand-in for the order system's webhook endpoint, run as its own process (test/support/order-receiver.ts
 * spawns it). It records every request it gets and verifies nothing itself: the tests check the signatures
 * with the standardwebhooks package. `RECEIVER_REFUSE_FIRST=n` answers 503 to the first n requests,
 * `RECEIVER_REFUSE_ALL=1` to every one. Prints `RECEIVER_READY <url>`, then `RECEIVED <json>` per request.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let refuse = Number(process.env.RECEIVER_REFUSE_FIRST ?? '0');
const refuseAll = process.env.RECEIVER_REFUSE_ALL === '1';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const status = refuseAll || refuse > 0 ? 503 : 204;
    if (refuse > 0) refuse -= 1;
    const line = {
      method: req.method,
      path: req.url,
      headers: {
        'content-type': req.headers['content-type'],
        'webhook-id': req.headers['webhook-id'],
        'webhook-timestamp': req.headers['webhook-timestamp'],
        'webhook-signature': req.headers['webhook-signature'],
      },
      body: Buffer.concat(chunks).toString('utf8'),
      answeredWith: status,
      at: Date.now(),
    };
    process.stdout.write(`RECEIVED ${JSON.stringify(line)}\n`);
    res.writeHead(status).end();
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`RECEIVER_READY http://127.0.0.1:${port}/order-events\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
