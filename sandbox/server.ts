import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from './api-error';
import type { SandboxConfig } from './config';
import type { RequestLogEntry, SandboxContext } from './context';
import { handleControl } from './control-routes';
import { CreationClock } from './creation-clock';
import { loadOrCreateCredentials, type AppCredentials } from './credentials';
import { FaultBook, type Fault } from './faults';
import { ForeignSessionBook } from './foreign-sessions';
import { API_ROUTES, authenticate, type ApiRoute } from './fintecture-routes';
import { BodyTooLargeError, json, readRawBody, sendReply, type Reply } from './http-io';
import { PayoutLedger, type Payout } from './ledger';
import { StateFile } from './state-file';
import { showPayeePage, submitPayeePage } from './payee-routes';
import { webhookFields } from './representation';
import { TokenAuthority } from './tokens';
import { WebhookDispatcher } from './webhook-dispatcher';
import { headerListsFor } from './webhook-header-lists';

export interface Sandbox {
  baseUrl: string;
  credentials: AppCredentials;
  context: SandboxContext;
  close(): Promise<void>;
}

const REQUEST_LOG_LIMIT = 20_000;
const PAYEE_PAGE = /^\/pay\/([0-9a-f]{32})$/;

function errorReply(error: ApiError): Reply {
  return json(error.status, error.body(), error.headers);
}

function faultReply(fault: Fault): Reply {
  const error = new ApiError(
    fault.status,
    [{ code: 'injected_fault', title: 'Injected fault', message: `sandbox fault ${fault.id}` }],
    fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
  );
  return errorReply(error);
}

/** Starts the emulator on `config.port` (0 = any free port). */
export async function startSandbox(
  config: SandboxConfig,
  log: (line: string) => void = () => {},
): Promise<Sandbox> {
  const credentials = loadOrCreateCredentials(config);
  const settings = { ...config.settings };
  const webhookUrls = [...config.webhookUrls];
  const webhooks = new WebhookDispatcher({
    appId: credentials.appId,
    merchantPublicKeyPem: credentials.merchantPublicKeyPem,
    settings: () => ({
      urls: webhookUrls,
      offsetMs: settings.webhookOffsetMs,
      timeoutMs: settings.webhookTimeoutMs,
      retries: settings.webhookRetries,
      retryBaseMs: settings.webhookRetryBaseMs,
      signedHeaderLists: headerListsFor(settings.webhookSignedHeaders, settings.profile),
      dateStamp: settings.profile === 'documented' ? 'event' : 'attempt',
    }),
    log,
  });
  const clock = new CreationClock();
  const stateFile = config.stateFile ? new StateFile(config.stateFile) : undefined;
  const ledger = new PayoutLedger({
    settings: () => settings,
    creationTime: () => clock.stamp(),
    ...(stateFile ? { persist: (payouts: Payout[]) => stateFile.save(payouts) } : {}),
    onChange: (payout, change) => {
      const fields = webhookFields(payout, change.kind);
      const occurredAt = Date.parse(payout.history.at(-1)?.at ?? '') || Date.now();
      webhooks.send({ sessionId: payout.sessionId, event: fields.event!, fields, occurredAt });
    },
  });
  if (stateFile) {
    const restored = stateFile.load();
    restored.forEach((payout) => clock.observe(Date.parse(payout.createdAt)));
    ledger.restore(restored);
  }
  // Seeded whatever the profile (friendly just does not show them), so a switch at run time finds them.
  const foreign = new ForeignSessionBook(() => clock.stamp());
  foreign.seed();
  const ctx: SandboxContext = {
    config,
    credentials,
    settings,
    webhookUrls,
    baseUrl: '',
    tokens: new TokenAuthority(credentials.appId, credentials.appSecret),
    faults: new FaultBook(),
    ledger,
    foreign,
    webhooks,
    requestLog: [],
    log,
  };
  const pendingDelays = new Set<NodeJS.Timeout>();
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pendingDelays.delete(timer);
        resolve();
      }, ms);
      pendingDelays.add(timer);
    });

  function logRequest(entry: RequestLogEntry) {
    ctx.requestLog.push(entry);
    if (ctx.requestLog.length > REQUEST_LOG_LIMIT)
      ctx.requestLog.splice(0, ctx.requestLog.length - REQUEST_LOG_LIMIT);
  }

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    route: ApiRoute,
    url: URL,
    body: Buffer,
    params: string[],
  ) {
    const target = req.url ?? '/';
    const entry: RequestLogEntry = {
      at: new Date().toISOString(),
      method: req.method ?? '',
      url: target,
      route: route.name,
      status: null,
    };
    logRequest(entry);
    const fault = ctx.faults.take(route.name);
    if (fault) entry.fault = fault.mode;
    if (fault?.mode === 'status') {
      const reply = faultReply(fault);
      entry.status = reply.status;
      return sendReply(res, reply);
    }
    if (fault?.mode === 'drop') return void req.socket.destroy();
    if (fault?.mode === 'delay') await delay(fault.delayMs);

    let reply: Reply;
    try {
      if (route.signed) entry.signature = authenticate(ctx, { req, url, target, body, params });
      reply = route.handle(ctx, { req, url, target, body, params });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const verdict = (error as ApiError & { signatureVerdict?: string }).signatureVerdict;
      if (verdict) entry.signature = verdict;
      reply = errorReply(error);
    }
    if (fault?.mode === 'commit-then-drop') return void req.socket.destroy();
    if (fault?.mode === 'malformed')
      reply = {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"meta":{"session_id":',
      };
    entry.status = reply.status;
    sendReply(res, reply);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const body = await readRawBody(req);

    if (url.pathname.startsWith('/_sandbox/')) {
      return sendReply(
        res,
        handleControl(ctx, method, url.pathname.slice('/_sandbox'.length), url.searchParams, body),
      );
    }
    const payee = PAYEE_PAGE.exec(url.pathname);
    if (payee?.[1] && method === 'GET') return sendReply(res, showPayeePage(ctx, payee[1]));
    if (payee?.[1] && method === 'POST') return sendReply(res, submitPayeePage(ctx, payee[1], body));

    let pathMatched = false;
    for (const route of API_ROUTES) {
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      pathMatched = true;
      if (route.method === method) return handleApi(req, res, route, url, body, match.slice(1));
    }
    const status = pathMatched ? 405 : 404;
    sendReply(
      res,
      errorReply(
        new ApiError(status, [
          {
            code: pathMatched ? 'method_not_allowed' : 'not_found',
            title: 'Error',
            message: `${method} ${url.pathname} is not a route`,
          },
        ]),
      ),
    );
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) {
        if (!res.headersSent)
          sendReply(
            res,
            errorReply(
              new ApiError(413, [
                { code: 'payload_too_large', title: 'Payload Too Large', message: error.message },
              ]),
            ),
          );
        return;
      }
      log(
        `internal error on ${req.method} ${req.url?.split('?')[0]}: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (!res.headersSent)
        sendReply(
          res,
          errorReply(
            new ApiError(500, [
              {
                code: 'internal_server_error',
                title: 'Internal Server Error',
                message: 'unexpected sandbox error',
              },
            ]),
          ),
        );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  ctx.baseUrl = config.publicUrl ?? `http://${config.host}:${port}`;

  return {
    baseUrl: ctx.baseUrl,
    credentials,
    context: ctx,
    async close() {
      ledger.close();
      for (const timer of pendingDelays) clearTimeout(timer);
      await webhooks.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
