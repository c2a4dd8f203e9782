import { type ChildProcess } from 'node:child_process';
import { spawnService, waitForLine } from '../../scripts/service-process';

/** One request the receiver process recorded. */
export interface ReceivedEvent {
  method: string;
  path: string;
  headers: Record<'content-type' | 'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;
  body: string;
  answeredWith: number;
  at: number;
}

export interface OrderReceiver {
  url: string;
  received: ReceivedEvent[];
  accepted(): ReceivedEvent[];
  stop(): Promise<void>;
}

/** Spawns test/support/order-receiver-main.ts as its own process (see there for `env`). */
export async function startOrderReceiver(env: Record<string, string> = {}): Promise<OrderReceiver> {
  const received: ReceivedEvent[] = [];
  const child: ChildProcess = spawnService(
    'test/support/order-receiver-main.ts',
    { PATH: process.env.PATH ?? '', ...env },
    (line, stream) => {
      if (stream === 'stdout' && line.startsWith('RECEIVED '))
        received.push(JSON.parse(line.slice('RECEIVED '.length)) as ReceivedEvent);
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await waitForLine(child, 'RECEIVER_READY ');
  return {
    url: url.trim(),
    received,
    accepted: () => received.filter((event) => event.answeredWith < 300),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
