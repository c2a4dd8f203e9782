/**
 * The identifiers of a payout and the patterns that check them, in one place: the ingress, the CLI, the
 * activities and the workflow all speak of the same order, workflow, session and event.
 */

const WORKFLOW_ID_PREFIX = 'payout-';

/**
 * Order IDs become the workflow ID, `state` and (digested) `end_to_end_id`. No whitespace, `/`, `?`, `#` or
 * `%`, so they also fit in a URL path; query-significant characters (`&`, `=`, `+`) are allowed and encoded.
 */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._~:@!$'()*+,;=&-]{0,99}$/;

/** A `state` (or workflow ID) of ours: the prefix and a valid order ID. */
const STATE_PATTERN = new RegExp(`^${WORKFLOW_ID_PREFIX}(${ORDER_ID_PATTERN.source.slice(1, -1)})$`);

/** One workflow per order: the ID is derived from the order, so a second start finds the first. */
export function payoutWorkflowId(orderId: string): string {
  return `${WORKFLOW_ID_PREFIX}${orderId}`;
}

/** The order a payout workflow ID names (for a workflow listed without its `PayoutOrderId`). */
export function orderIdOfWorkflowId(workflowId: string): string {
  return workflowId.startsWith(WORKFLOW_ID_PREFIX) ? workflowId.slice(WORKFLOW_ID_PREFIX.length) : workflowId;
}

/** The `state` sent to Fintecture and echoed on redirects and webhooks: the workflow ID itself. */
export const payoutStateFor = payoutWorkflowId;

/** The order a `state` echoed by Fintecture names; null for anything that is not one of our payouts. */
export function orderIdFromState(state: string | undefined | null): string | null {
  const match = state ? STATE_PATTERN.exec(state) : null;
  return match?.[1] ?? null;
}

/** A Fintecture session ID as it may arrive in a webhook, a redirect or an answer (never trusted further). */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** A webhook's `X-Request-ID`: an opaque token, kept as the event ID. */
export const EVENT_REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Who asked for a cancel: a role or system name, never a person's name or e-mail. */
export const REQUESTED_BY_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
export const REQUESTED_BY_RULE = 'must be 1-64 letters, digits or ._:- (a role or system name)';

/** A value shown to operators or put in a visibility query: a plain token that cannot close quotes. */
export const SEARCH_VALUE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * The task queues beside the workflow's own (`TEMPORAL_TASK_QUEUE`), patch `budgeted-quiet-waiting`: reads
 * of Fintecture under a rate the Temporal server enforces across every worker (`FINTECTURE_MAX_READS_PER_SECOND`),
 * and the calls that change something there (token, create, cancel, duplicate sweep), never queued behind reads.
 */
export function fintectureReadsQueue(taskQueue: string): string {
  return `${taskQueue}-fintecture-reads`;
}

export function fintectureWritesQueue(taskQueue: string): string {
  return `${taskQueue}-fintecture-writes`;
}
