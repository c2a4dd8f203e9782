import { createPublicKey } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Deadline, mapLimit, pollUntil, sleep } from '../lib/deadline';
import { historyEvents, wakeTimeAfterSignal } from '../lib/history';
import { PhaseMeter, perItem, type PerItemCost, type PhaseCost } from '../lib/phase-meter';
import { type Stack } from '../lib/stack';
import { perSecond, summarize, type LatencySummary } from '../lib/stats';
import { buildWebhook, sessionStatusFields } from '../lib/webhook-builder';
import { type WaitingPayout } from './waiting';
import { payoutWorkflowId } from '../../domain/identifiers';

/**
 * Webhook ingress: verified webhooks, made exactly as Fintecture makes them, posted to the ingress for
 * waiting payouts (one each). Measured: acknowledgements per second, the time to the `200` (Temporal holds
 * the signal), and the time until the workflow woke up and acted on it — the first activity it scheduled
 * after the signal in its history (it fetches the payment, as every event makes it do).
 */

export interface WebhookRunResult {
  webhooks: number;
  concurrency: number;
  /** Paced: webhooks were sent at this rate (open loop), not as fast as the ingress acknowledged. */
  offeredPerSecond?: number;
  openPayouts: number;
  elapsedMs: number;
  perSecond: number;
  /** Request → 200 (the signal is durable in Temporal). */
  ackLatency: LatencySummary;
  /** Request → the signal event's time in history. */
  signalLatency: LatencySummary;
  /** Request → the workflow acted on it (first activity scheduled after the signal). */
  wakeLatency: LatencySummary;
  wakeSample: number;
  /**
   * Webhooks the workflows acted on per second: the sample's count scaled to all, over first send → last
   * wake. Below `perSecond` when the ingress acknowledges faster than workers and server can act.
   */
  wokenPerSecond: number;
  outcomes: Record<string, number>;
  failures: number;
  firstFailure?: string;
  cost: PhaseCost;
  /** Acknowledged phase only (sending), per webhook. */
  perWebhook: PerItemCost;
  /**
   * From the first send until the wake sample was read back, per webhook: the worker's figure is the CPU of
   * the whole burst, wakes included, which the acknowledged phase cuts short. Temporal's and the driver's
   * include reading the sample's histories.
   */
  throughWakes: PerItemCost;
}

export async function runWebhooks(
  stack: Stack,
  options: {
    targets: WaitingPayout[];
    openPayouts: number;
    concurrency: number;
    wakeSample: number;
    deadline: Deadline;
    /** Called for each webhook the ingress signalled, with its send time (epoch ms). */
    onSignalled?: (target: WaitingPayout, sentAt: number) => void;
    /**
     * Send webhook i at i ÷ rate seconds (open loop, as Fintecture's traffic comes) instead of as fast as
     * the ingress acknowledges: the wake latency then measures a load the system carries, not a backlog.
     */
    offeredPerSecond?: number;
  },
): Promise<WebhookRunResult> {
  const { targets, concurrency, deadline, offeredPerSecond } = options;
  const publicKey = createPublicKey(stack.merchantPrivateKeyPem);
  const sent: { target: WaitingPayout; requestId: string; sentAt: number }[] = [];
  const acks: number[] = [];
  const outcomes: Record<string, number> = {};
  let failures = 0;
  let firstFailure: string | undefined;

  const meter = await PhaseMeter.start(stack);
  const wakesMeter = await PhaseMeter.start(stack);
  const startedAt = performance.now();
  await mapLimit(targets, concurrency, deadline, async (target, index) => {
    if (offeredPerSecond) {
      const due = startedAt + (index * 1000) / offeredPerSecond;
      const early = due - performance.now();
      if (early > 0) await sleep(early);
    }
    // Signed at send time: the ingress accepts a Date within 5 minutes, as Fintecture re-signs each attempt.
    const webhook = buildWebhook(
      stack.sandbox.appId,
      publicKey,
      sessionStatusFields(target.orderId, target.sessionId, 'iban_required'),
    );
    const sentAt = Date.now();
    const t0 = performance.now();
    try {
      const response = await fetch(`${stack.ingressUrl}/webhooks/fintecture`, {
        method: 'POST',
        headers: webhook.headers,
        body: webhook.body,
        signal: AbortSignal.any([deadline.signal, AbortSignal.timeout(30_000)]),
      });
      const answer = (await response.json().catch(() => ({}))) as { outcome?: string };
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      acks.push(performance.now() - t0);
      const outcome = answer.outcome ?? 'unknown';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome === 'signalled') {
        sent.push({ target, requestId: webhook.requestId, sentAt });
        options.onSignalled?.(target, sentAt);
      }
    } catch (error) {
      deadline.check();
      failures += 1;
      firstFailure ??= `webhook for ${target.orderId}: ${error instanceof Error ? error.message : String(error)}`;
    }
  });
  const elapsedMs = performance.now() - startedAt;
  const cost = await meter.stop();

  // Wake-up times from history, for an evenly spread sample (histories are read after the run so that
  // reading them does not load the system while it is measured).
  const step = Math.max(1, Math.floor(sent.length / Math.max(1, options.wakeSample)));
  const sample = sent.filter((_, index) => index % step === 0).slice(0, options.wakeSample);
  const signalLatencies: number[] = [];
  const wakeLatencies: number[] = [];
  let lastWake = 0;
  await mapLimit(sample, 8, deadline, async ({ target, requestId, sentAt }) => {
    // Bounded per payout: a workflow that never acts (30 s) is left out of the sample, not waited for.
    const found = await pollUntil(
      deadline,
      { intervalMs: 500, attempts: 60 },
      async () =>
        wakeTimeAfterSignal(
          stack.payoutClient,
          await historyEvents(stack.payoutClient, payoutWorkflowId(target.orderId)),
          requestId,
        ),
      (value) => value !== null && value.wokeAt !== null,
    );
    if (!found || found.wokeAt === null) return;
    signalLatencies.push(found.signalledAt - sentAt);
    wakeLatencies.push(found.wokeAt - sentAt);
    lastWake = Math.max(lastWake, found.wokeAt);
  });
  const wakesCost = await wakesMeter.stop();

  const firstSent = sent[0]?.sentAt ?? 0;
  const wokenPerSecond =
    wakeLatencies.length && lastWake > firstSent
      ? Math.round((sent.length * 1000 * 100) / (lastWake - firstSent)) / 100
      : Number.NaN;
  return {
    webhooks: targets.length,
    concurrency,
    ...(offeredPerSecond ? { offeredPerSecond } : {}),
    openPayouts: options.openPayouts,
    elapsedMs: Math.round(elapsedMs),
    perSecond: perSecond(acks.length, elapsedMs),
    ackLatency: summarize(acks),
    signalLatency: summarize(signalLatencies),
    wakeLatency: summarize(wakeLatencies),
    wakeSample: wakeLatencies.length,
    wokenPerSecond,
    outcomes,
    failures,
    ...(firstFailure ? { firstFailure } : {}),
    cost,
    perWebhook: perItem(cost, acks.length, elapsedMs),
    throughWakes: perItem(wakesCost, sent.length, wakesCost.window.stoppedAt - wakesCost.window.startedAt),
  };
}
