import { type Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** Reading workflow histories: shapes (event counts by type) and event times. */

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export function eventTypeName(event: HistoryEvent): string {
  return (EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, '');
}

export function eventTimeMs(event: HistoryEvent): number {
  const seconds = Number(event.eventTime?.seconds ?? 0);
  return seconds * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
}

export async function historyEvents(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

export interface HistoryShape {
  events: number;
  activities: number;
  activitiesBeforeFirstSignal: number;
  activityTypes: Record<string, number>;
  signals: number;
  timers: number;
  byType: Record<string, number>;
}

export function historyShape(events: HistoryEvent[]): HistoryShape {
  const byType: Record<string, number> = {};
  const activityTypes: Record<string, number> = {};
  let signals = 0;
  let activitiesBeforeFirstSignal = 0;
  for (const event of events) {
    const type = eventTypeName(event);
    byType[type] = (byType[type] ?? 0) + 1;
    if (type === 'WORKFLOW_EXECUTION_SIGNALED') signals += 1;
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const name = scheduled.activityType?.name ?? '?';
      activityTypes[name] = (activityTypes[name] ?? 0) + 1;
      if (signals === 0) activitiesBeforeFirstSignal += 1;
    }
  }
  return {
    events: events.length,
    activities: Object.values(activityTypes).reduce((sum, n) => sum + n, 0),
    activitiesBeforeFirstSignal,
    activityTypes,
    signals,
    timers: byType.TIMER_STARTED ?? 0,
    byType,
  };
}

/** Decodes a payload as the stack's processes encoded it (the client's codecs, then JSON). */
export async function decodePayload(client: Client, payload: Payload): Promise<unknown> {
  let payloads = [payload];
  for (const codec of [...(client.options.loadedDataConverter.payloadCodecs ?? [])].reverse()) {
    payloads = await codec.decode(payloads);
  }
  return defaultPayloadConverter.fromPayload(payloads[0]!);
}

/**
 * When the workflow acted on the signal carrying `eventId`: the time of the first activity it scheduled
 * after that signal (the workflow task that saw the signal completed with that command). `null` if not yet.
 */
export async function wakeTimeAfterSignal(
  client: Client,
  events: HistoryEvent[],
  eventId: string,
): Promise<{ signalledAt: number; wokeAt: number | null } | null> {
  for (let index = 0; index < events.length; index++) {
    const signal = events[index]!.workflowExecutionSignaledEventAttributes;
    const payload = signal?.input?.payloads?.[0];
    if (!signal || !payload) continue;
    const decoded = (await decodePayload(client, payload)) as { eventId?: string };
    if (decoded.eventId !== eventId) continue;
    const signalledAt = eventTimeMs(events[index]!);
    const woke = events.slice(index + 1).find((event) => event.activityTaskScheduledEventAttributes);
    return { signalledAt, wokeAt: woke ? eventTimeMs(woke) : null };
  }
  return null;
}
