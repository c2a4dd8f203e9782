import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces moved into an encoded payload, so the payload codec encrypts them:
 * a message can quote data (G5). Loaded by path (`failureConverterPath`) because workflow code, which runs in
 * its own sandbox, needs it too; the workflow bundle is built with the same path.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
