// The worker's workflow entry point: every workflow type it serves.
export { PayoutWorkflow } from './payout-workflow';
