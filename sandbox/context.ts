import type { RuntimeSettings, SandboxConfig } from './config';
import type { AppCredentials } from './credentials';
import type { FaultBook } from './faults';
import type { ForeignSessionBook } from './foreign-sessions';
import type { PayoutLedger } from './ledger';
import type { TokenAuthority } from './tokens';
import type { WebhookDispatcher } from './webhook-dispatcher';

export interface RequestLogEntry {
  at: string;
  method: string;
  url: string;
  route: string;
  status: number | null;
  signature?: string;
  fault?: string;
}

/** Everything the route handlers share; one per running sandbox. */
export interface SandboxContext {
  config: SandboxConfig;
  credentials: AppCredentials;
  settings: RuntimeSettings;
  webhookUrls: string[];
  baseUrl: string;
  tokens: TokenAuthority;
  faults: FaultBook;
  ledger: PayoutLedger;
  /** Sessions that are not the client's payouts; the Fintecture routes show them only when documented. */
  foreign: ForeignSessionBook;
  webhooks: WebhookDispatcher;
  requestLog: RequestLogEntry[];
  log: (line: string) => void;
}
