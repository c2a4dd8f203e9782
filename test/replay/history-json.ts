import { createRequire } from 'node:module';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

/**
 * Histories to and from Temporal's proto JSON: the format of `temporal workflow show --output json`, of the
 * Web UI's download, and of the SDK's `historyToJSON` / `historyFromJSON`.
 *
 * Why not the SDK's functions: in this install `@temporalio/common` and `@temporalio/proto` each get their
 * own copy of protobufjs 8 (a protobufjs 7 from grpc's proto-loader holds the top-level slot), and the
 * SDK's protojson rejects the proto package's types across copies ("type must be a Type"). So both
 * directions use the protojson of the very protobufjs copy the proto types were built with. The output
 * is the same proto JSON; `Worker.runReplayHistories` gets the decoded `History` object.
 */
interface ProtoJson {
  toJson(type: unknown, message: unknown, options?: object): unknown;
  fromJson(type: unknown, json: unknown, options?: object): unknown;
}

const requireFromProto = createRequire(require.resolve('@temporalio/proto/package.json'));
const protojson = requireFromProto('protobufjs/ext/protojson') as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

export type History = proto.temporal.api.history.v1.IHistory;

/** The proto JSON object of a history (compact: callers lay it out). */
export function historyToJson(history: History): unknown {
  return protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
}

/** A history from its proto JSON (as written by `historyToJson` or the Temporal CLI). */
export function historyFromJson(json: unknown): History {
  const events = (json as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) throw new TypeError('not a history: expected an object with an events array');
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}
