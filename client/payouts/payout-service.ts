import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { orderIdOfWorkflowId, payoutWorkflowId } from '../../domain/identifiers';
import { payoutScenarioOf, type PayoutRequest } from '../../domain/payout-request';
import { type PayoutSettings } from '../../domain/payout-settings';
import { type PayloadKeys } from '../../common/payload-codec';
import {
  awaitCreatedUpdate,
  cancelUpdate,
  initialPayoutView,
  PAYOUT_WORKFLOW_TYPE,
  payoutEventSignal,
  statusQuery,
  type CancelResult,
  type PayoutEvent,
  type PayoutResult,
  type PayoutStatusView,
  type PayoutWorkflowInput,
} from '../../workflows/messages';
import {
  INITIAL_PAYOUT_STATUS,
  PayoutOrderId,
  PayoutScenario,
  PayoutSessionId,
  PayoutStatus,
  PayoutTransferState,
  scenarioFromLabel,
  scenarioLabel,
  SEARCH_VALUE_PATTERN,
} from '../../domain/search-attributes';
import { isTemporalUnavailable, TemporalUnavailableError } from './temporal-errors';
import { watchProgressOf, withWatch } from './watch-progress';
import {
  compareWithFingerprint,
  fingerprintKeyring,
  fingerprintRequest,
  REQUEST_FINGERPRINT_MEMO,
  type FingerprintField,
} from './request-fingerprint';
import { closedWorkflowReason } from '../../domain/outcomes';

/**
 * Everything outside Temporal does to payouts: start (idempotently), look up, cancel, signal, list.
 * Used by the ingress and the CLI; knows the workflow only through its messages (workflows/messages.ts).
 */

export interface StartPayoutResult {
  /** True when this call started the workflow; false when the order already had one. */
  created: boolean;
  /** True when the payout is not created at Fintecture yet (the wait for it ran out): ask again later. */
  pending: boolean;
  status: PayoutStatusView;
  /**
   * How this request compares with the one that started the payout: `started` (this call started it),
   * `same`, or `not_recorded` / `unknown_key` when it cannot be compared (a payout started before requests
   * were fingerprinted, or its fingerprint key is no longer configured): answered as before, worth a log line.
   * A different request is not a result: it throws `OrderConflictError`.
   */
  requestCheck: 'started' | 'same' | 'not_recorded' | 'unknown_key';
}

/**
 * The order already has a payout, started by a different request. Names the differing fields only (paths as
 * in the 400 answers), never their values.
 */
export class OrderConflictError extends Error {
  constructor(
    readonly orderId: string,
    readonly workflowId: string,
    readonly fields: readonly FingerprintField[],
  ) {
    super(
      `order ${orderId} already has a payout started by a different request (differing: ${fields.join(', ')})`,
    );
    this.name = 'OrderConflictError';
  }
}

export type CancelPayoutResult =
  | { kind: 'answered'; result: CancelResult }
  /** The workflow refused (its validator's message), or the payout is already finished. */
  | { kind: 'refused'; message: string }
  | { kind: 'not_found' };

export type SignalOutcome = 'signalled' | 'unknown' | 'finished';

export interface PayoutSummary {
  orderId: string;
  workflowId: string;
  /** `PayoutStatus` search attribute (`CREATING` until the workflow says more). */
  status: string | null;
  scenario: 1 | 2 | null;
  sessionId: string | null;
  transferState: string | null;
  /** Temporal's execution status: `RUNNING`, `COMPLETED`, `FAILED`, … */
  executionStatus: string;
  startedAt: string;
  closedAt: string | null;
}

export interface PayoutService {
  startPayout(request: PayoutRequest): Promise<StartPayoutResult>;
  getPayout(orderId: string): Promise<PayoutStatusView | null>;
  cancelPayout(orderId: string, requestedBy: string): Promise<CancelPayoutResult>;
  signalEvent(event: PayoutEvent, orderId: string): Promise<SignalOutcome>;
  listPayouts(filter?: { status?: string; limit?: number }): Promise<PayoutSummary[]>;
  /** True when the Temporal namespace answers. */
  isTemporalReachable(): Promise<boolean>;
}

export interface PayoutServiceOptions {
  client: Client;
  taskQueue: string;
  /** Fixed into each payout's input when it starts. */
  settings: PayoutSettings;
  /**
   * The payload codec keys (`ClientConfig.payloadKeys`): the request fingerprint's HMAC key is derived from
   * them (client/payouts/request-fingerprint.ts). Null or omitted: the fixed derivation of `PAYLOAD_CODEC=off`.
   */
  payloadKeys?: PayloadKeys | null;
  /** How long `startPayout` waits for the creation at Fintecture before answering "pending". */
  startTimeoutMs?: number;
  /** How long `cancelPayout` waits for the workflow's answer (it talks to Fintecture first). */
  cancelTimeoutMs?: number;
  /** Deadline of the other Temporal calls: a stuck call must not hold a webhook past Fintecture's 20 s. */
  callTimeoutMs?: number;
  /** Deadline of the health check. */
  healthTimeoutMs?: number;
}

export class InvalidStatusFilterError extends Error {
  constructor() {
    super('status must be a plain token such as SETTLED or NEEDS_REVIEW');
    this.name = 'InvalidStatusFilterError';
  }
}

/** Marks a workflow as started by one particular call: compared after update-with-start. */
const START_TOKEN_MEMO = 'payoutStartToken';

/**
 * Why update-with-start did not give the created payout:
 * - `workflow_closed`: the order's workflow is closed (REJECT_DUPLICATE): its last status is the answer;
 * - `no_answer`: Temporal is down, or the creation is taking long: answered "pending" when it is the latter;
 * - `update_failed`: the update failed but the workflow exists: its status view tells what happened;
 * - `unexpected`: anything else, passed on.
 */
type FailedStart = 'workflow_closed' | 'no_answer' | 'update_failed' | 'unexpected';

function classifyFailedStart(error: unknown): FailedStart {
  if (error instanceof WorkflowExecutionAlreadyStartedError) return 'workflow_closed';
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isTemporalUnavailable(error)) {
    return 'no_answer';
  }
  if (error instanceof WorkflowUpdateFailedError) return 'update_failed';
  return 'unexpected';
}

export function createPayoutService(options: PayoutServiceOptions): PayoutService {
  const { client, taskQueue, settings } = options;
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const cancelTimeoutMs = options.cancelTimeoutMs ?? 20_000;
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const healthTimeoutMs = options.healthTimeoutMs ?? 2_000;
  const keyring = fingerprintKeyring(options.payloadKeys ?? null);

  /** Runs Temporal calls under a deadline; unreachable Temporal becomes `TemporalUnavailableError`. */
  async function temporalCall<T>(operation: string, timeoutMs: number, call: () => Promise<T>): Promise<T> {
    try {
      return await client.withDeadline(Date.now() + timeoutMs, call);
    } catch (error) {
      if (isTemporalUnavailable(error)) throw new TemporalUnavailableError(operation, { cause: error });
      throw error;
    }
  }

  const handleFor = (orderId: string) => client.workflow.getHandle(payoutWorkflowId(orderId));

  async function describeOrNull(handle: WorkflowHandle): Promise<WorkflowExecutionDescription | null> {
    try {
      return await temporalCall('describe', callTimeoutMs, () => handle.describe());
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }

  /**
   * The payout's view, from the execution's status first: a closed workflow's last query answer may still
   * say `outcome: null` (it failed or was terminated mid-wait), and that must read as NEEDS_REVIEW.
   */
  async function viewOf(
    orderId: string,
    handle: WorkflowHandle,
    description: WorkflowExecutionDescription,
  ): Promise<PayoutStatusView> {
    const status = description.status.name;
    if (status === 'RUNNING') {
      const view = await temporalCall('query', callTimeoutMs, () => handle.query(statusQuery));
      return withWatch(view, watchProgressOf(description));
    }
    if (status === 'COMPLETED') {
      // The result is the workflow's final view.
      return temporalCall('result', callTimeoutMs, () => handle.result() as Promise<PayoutResult>);
    }
    // Failed, terminated, timed out, cancelled: an operator has to look, whatever Fintecture did. The query
    // still gives the details when a worker can replay the history.
    const scenario = scenarioFromLabel(description.typedSearchAttributes.get(PayoutScenario)) ?? 1;
    const details = await temporalCall('query', Math.min(callTimeoutMs, 3_000), () =>
      handle.query(statusQuery),
    ).catch(() => initialPayoutView(orderId, handle.workflowId, scenario));
    return {
      ...details,
      phase: 'finished',
      nextPollAt: null,
      outcome: 'NEEDS_REVIEW',
      outcomeReason: closedWorkflowReason(status),
    };
  }

  async function getPayout(orderId: string): Promise<PayoutStatusView | null> {
    const handle = handleFor(orderId);
    const description = await describeOrNull(handle);
    return description ? viewOf(orderId, handle, description) : null;
  }

  /**
   * Whether this call started the order's workflow (its token is in the memo) and, when it did not, how its
   * request compares with the one that did (the fingerprint in the memo). A different request throws
   * `OrderConflictError`: whoever started first wins, so racing starts agree on one workflow.
   */
  function checkRequest(
    request: PayoutRequest,
    description: WorkflowExecutionDescription | null,
    startToken: string,
  ): Pick<StartPayoutResult, 'created' | 'requestCheck'> {
    const memo = description?.memo ?? {};
    if (memo[START_TOKEN_MEMO] === startToken) return { created: true, requestCheck: 'started' };
    const comparison = compareWithFingerprint(request, memo[REQUEST_FINGERPRINT_MEMO], keyring);
    switch (comparison.kind) {
      case 'same':
        return { created: false, requestCheck: 'same' };
      case 'unverifiable':
        return { created: false, requestCheck: comparison.reason };
      case 'different':
        throw new OrderConflictError(request.orderId, payoutWorkflowId(request.orderId), comparison.paths);
    }
  }

  /** The order's workflow, started if it has none, with this call's token and request fingerprint. */
  function startOperation(request: PayoutRequest, startToken: string) {
    const input: PayoutWorkflowInput = { order: request, settings, startToken };
    return new WithStartWorkflowOperation(PAYOUT_WORKFLOW_TYPE, {
      workflowId: payoutWorkflowId(request.orderId),
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // Visible in the Web UI from the first moment; the workflow upserts them as the payout moves.
      typedSearchAttributes: [
        { key: PayoutOrderId, value: request.orderId },
        { key: PayoutScenario, value: scenarioLabel(payoutScenarioOf(request)) },
        { key: PayoutStatus, value: INITIAL_PAYOUT_STATUS },
      ],
      memo: {
        // The SDK does not say whether update-with-start started the workflow or found it running; the
        // token tells, race-free: only the call that started it wrote its token. A random ID, no data.
        [START_TOKEN_MEMO]: startToken,
        // Per-field keyed digests of the request, for later requests to be compared with (no data in
        // clear; the memo is encrypted by the payload codec as well).
        [REQUEST_FINGERPRINT_MEMO]: fingerprintRequest(request, keyring),
      },
    });
  }

  /**
   * Starts the order's workflow (or finds it) and waits until the payout is created at Fintecture. When
   * that wait fails, the workflow's state as it stands is the answer (`answerFailedStart`).
   */
  async function startPayout(request: PayoutRequest): Promise<StartPayoutResult> {
    const startToken = randomUUID();
    const startWorkflowOperation = startOperation(request, startToken);
    const handle = handleFor(request.orderId);
    try {
      const { startedByCaller, ...status } = await client.withDeadline(Date.now() + startTimeoutMs, () =>
        client.workflow.executeUpdateWithStart(awaitCreatedUpdate, {
          startWorkflowOperation,
          args: [{ startToken }],
        }),
      );
      // The workflow says whether this call started it: a new order needs no describe.
      const check: Pick<StartPayoutResult, 'created' | 'requestCheck'> = startedByCaller
        ? { created: true, requestCheck: 'started' }
        : checkRequest(request, await describeOrNull(handle), startToken);
      return { ...check, pending: false, status };
    } catch (error) {
      // A different request is the answer itself; anything else (the describe above included) is
      // answered from the workflow's state.
      if (error instanceof OrderConflictError) throw error;
      return answerFailedStart(request, handle, startToken, error);
    }
  }

  async function answerFailedStart(
    request: PayoutRequest,
    handle: WorkflowHandle,
    startToken: string,
    error: unknown,
  ): Promise<StartPayoutResult> {
    const failure = classifyFailedStart(error);
    if (failure === 'unexpected') throw error;
    const description = await describeOrNull(handle);
    if (!description) {
      // No workflow to answer from: Temporal is down when it did not answer, else the error stands.
      throw failure === 'no_answer' ? new TemporalUnavailableError('start', { cause: error }) : error;
    }
    const check = checkRequest(request, description, startToken);
    if (failure === 'no_answer') {
      // The workflow holds the request durably and goes on; the caller asks again later.
      const status = await temporalCall('query', 2_000, () => handle.query(statusQuery)).catch(() =>
        initialPayoutView(request.orderId, handle.workflowId, payoutScenarioOf(request)),
      );
      return { ...check, pending: status.phase === 'creating', status };
    }
    return { ...check, pending: false, status: await viewOf(request.orderId, handle, description) };
  }

  async function cancelPayout(orderId: string, requestedBy: string): Promise<CancelPayoutResult> {
    const handle = handleFor(orderId);
    try {
      const result = await temporalCall('cancel', cancelTimeoutMs, () =>
        handle.executeUpdate(cancelUpdate, { args: [{ requestedBy }] }),
      );
      return { kind: 'answered', result };
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        // The validator's message, written for people ("money already left", …): safe to pass on.
        return { kind: 'refused', message: error.cause?.message ?? error.message };
      }
      if (error instanceof WorkflowNotFoundError) {
        const description = await describeOrNull(handle);
        if (!description) return { kind: 'not_found' };
        return { kind: 'refused', message: 'The payout is already finished: it can no longer be cancelled.' };
      }
      throw error;
    }
  }

  async function signalEvent(event: PayoutEvent, orderId: string): Promise<SignalOutcome> {
    const handle = handleFor(orderId);
    try {
      await temporalCall('signal', callTimeoutMs, () => handle.signal(payoutEventSignal, event));
      return 'signalled';
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      // Signalling a closed workflow is "not found" too; describe tells the two apart.
      return (await describeOrNull(handle)) ? 'finished' : 'unknown';
    }
  }

  async function listPayouts(filter: { status?: string; limit?: number } = {}): Promise<PayoutSummary[]> {
    const clauses = [`WorkflowType = "${PAYOUT_WORKFLOW_TYPE}"`];
    if (filter.status !== undefined) {
      if (!SEARCH_VALUE_PATTERN.test(filter.status)) throw new InvalidStatusFilterError();
      clauses.push(`${PayoutStatus.name} = "${filter.status}"`);
    }
    const limit = filter.limit ?? 100;
    return temporalCall('list', callTimeoutMs, async () => {
      const payouts: PayoutSummary[] = [];
      for await (const execution of client.workflow.list({
        query: clauses.join(' AND '),
        pageSize: Math.min(limit, 1000),
      })) {
        const attributes = execution.typedSearchAttributes;
        payouts.push({
          orderId: attributes.get(PayoutOrderId) ?? orderIdOfWorkflowId(execution.workflowId),
          workflowId: execution.workflowId,
          status: attributes.get(PayoutStatus) ?? null,
          scenario: scenarioFromLabel(attributes.get(PayoutScenario)),
          sessionId: attributes.get(PayoutSessionId) ?? null,
          transferState: attributes.get(PayoutTransferState) ?? null,
          executionStatus: execution.status.name,
          startedAt: execution.startTime.toISOString(),
          closedAt: execution.closeTime?.toISOString() ?? null,
        });
        if (payouts.length >= limit) break;
      }
      return payouts;
    });
  }

  async function isTemporalReachable(): Promise<boolean> {
    try {
      await client.withDeadline(Date.now() + healthTimeoutMs, () =>
        client.workflowService.describeNamespace({ namespace: client.options.namespace }),
      );
      return true;
    } catch {
      return false;
    }
  }

  return { startPayout, getPayout, cancelPayout, signalEvent, listPayouts, isTemporalReachable };
}
