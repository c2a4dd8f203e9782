import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  closedWorkflowReason,
  OUTCOME_REASON_PREFIXES,
  OUTCOME_REASONS,
  reasonWith,
} from '../../domain/outcomes';

const OPERATOR_GUIDE = readFileSync(path.resolve(__dirname, '../../docs/operator-guide.md'), 'utf8');

describe('the outcome reasons', () => {
  it('each one is explained in the operator guide', () => {
    const reasons = [
      ...Object.values(OUTCOME_REASONS),
      ...Object.values(OUTCOME_REASON_PREFIXES).map((prefix) => `${prefix}:`),
      closedWorkflowReason('X').replace(/x$/, ''),
    ];
    expect(reasons.filter((reason) => !OPERATOR_GUIDE.includes(`\`${reason}`))).toEqual([]);
  });

  it('a reason with a detail reads <prefix>:<detail>', () => {
    expect(reasonWith('cancelFailed', 'Timeout:START_TO_CLOSE')).toBe('cancel_failed:Timeout:START_TO_CLOSE');
    expect(closedWorkflowReason('TERMINATED')).toBe('workflow_terminated');
  });
});
