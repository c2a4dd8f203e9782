import { constantTimeEqual } from '../../common/constant-time';
import { type Secret } from '../../common/secret';

/** True when `Authorization: Bearer <key>` carries the expected key (compared in constant time). */
export function hasValidBearerKey(authorization: string | undefined, expected: Secret<string>): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  // Compare even when the header is absent, so both paths cost the same.
  const presented = match?.[1] ?? '';
  const equal = constantTimeEqual(presented, expected.reveal());
  return match !== null && equal;
}
