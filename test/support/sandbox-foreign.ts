/** One entry of `GET /_sandbox/foreign` (documented profile): a session of the application that is not ours. */
export interface SandboxForeignSession {
  sessionId: string;
  kind: string;
  createdAt: string;
  readable: boolean;
  type?: string;
  status?: string;
  transferState?: string | null;
  amount?: string;
  currency?: string;
  communication?: string;
  endToEndId?: string;
  /** Exactly what `GET /pis/v2/payments` shows of it. */
  listItem: Record<string, unknown>;
}
