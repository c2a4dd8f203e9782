import {
  isGrpcDeadlineError,
  isGrpcServiceError,
  ServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';

/**
 * Temporal did not answer in time or could not be reached. The ingress answers 503 so that callers (and
 * Fintecture's webhook retries) try again; nothing was acknowledged.
 */
export class TemporalUnavailableError extends Error {
  /** What we were doing: `signal`, `start`, `query`, … */
  readonly operation: string;

  constructor(operation: string, options: { cause: unknown }) {
    super(`Temporal is unavailable (${operation})`, options);
    this.name = 'TemporalUnavailableError';
    this.operation = operation;
  }
}

// gRPC status codes that mean "the service is not there right now", not "your request is wrong".
const TRANSIENT_GRPC_CODES = new Set([
  1, // CANCELLED (our own deadline or shutdown)
  2, // UNKNOWN (connection torn down)
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  10, // ABORTED
  13, // INTERNAL
  14, // UNAVAILABLE
]);

export function isTemporalUnavailable(error: unknown): boolean {
  if (error instanceof TemporalUnavailableError) return true;
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  if (isGrpcDeadlineError(error)) return true;
  const grpc = isGrpcServiceError(error)
    ? error
    : error instanceof ServiceError && isGrpcServiceError(error.cause)
      ? error.cause
      : undefined;
  if (grpc) return TRANSIENT_GRPC_CODES.has(grpc.code);
  // A ServiceError without a gRPC status: the call never reached the server.
  return error instanceof ServiceError;
}
