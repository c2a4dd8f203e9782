import path from 'node:path';
import { summarizeProfiles } from '../lib/cpu-profile';
import { type Deadline } from '../lib/deadline';
import { type ProfileRun } from '../lib/results';
import { type Stack } from '../lib/stack';
import { runE2e } from './e2e';
import { type WaitingPayout } from './waiting';
import { runWebhooks } from './webhooks';

/**
 * Where the time goes: the worker and the ingress restarted under `node --cpu-prof`, one batch of
 * end-to-end payouts, then (restarted again) one batch of webhooks; the profiles are written when the
 * processes stop and summarised by package and function. Figures of these runs are slowed by profiling
 * and are not compared with anything.
 */
export async function runProfiles(
  stack: Stack,
  options: {
    payouts: number;
    concurrency: number;
    webhookTargets: WaitingPayout[];
    openPayouts: number;
    webhookConcurrency: number;
    runDir: string;
    tag: string;
    deadline: Deadline;
  },
): Promise<ProfileRun[]> {
  const runs: ProfileRun[] = [];
  const profileRoot = path.join(options.runDir, 'profiles');
  const cpu = (usage: Record<string, { cpuSeconds: number }>) =>
    Object.fromEntries(Object.entries(usage).map(([name, u]) => [name, u.cpuSeconds]));

  const e2eDir = path.join(profileRoot, 'e2e');
  await stack.restartWorkerAndIngress(e2eDir);
  const e2eStartup = stack.startupMs();
  const e2e = await runE2e(stack, {
    payouts: options.payouts,
    concurrency: options.concurrency,
    tag: `${options.tag}-e2e`,
    deadline: options.deadline,
  });
  const webhookDir = path.join(profileRoot, 'webhooks');
  await stack.restartWorkerAndIngress(webhookDir);
  const webhookStartup = stack.startupMs();
  runs.push({
    what: `${options.payouts} end-to-end payouts, ${options.concurrency} in flight`,
    payouts: options.payouts,
    perSecond: e2e.perSecond,
    worker: summarizeProfiles(path.join(e2eDir, 'worker'), e2eStartup.worker),
    ingress: summarizeProfiles(path.join(e2eDir, 'ingress'), e2eStartup.ingress),
    processCpuSeconds: cpu(e2e.cost.usage),
  });

  const targets = Array.from(
    { length: options.payouts },
    (_, i) => options.webhookTargets[i % options.webhookTargets.length]!,
  );
  const webhooks = await runWebhooks(stack, {
    targets,
    openPayouts: options.openPayouts,
    concurrency: options.webhookConcurrency,
    wakeSample: 0,
    deadline: options.deadline,
  });
  await stack.restartWorkerAndIngress();
  runs.push({
    what: `${targets.length} webhooks, ${options.webhookConcurrency} in flight, ${options.openPayouts} open payouts`,
    payouts: targets.length,
    perSecond: webhooks.perSecond,
    worker: summarizeProfiles(path.join(webhookDir, 'worker'), webhookStartup.worker),
    ingress: summarizeProfiles(path.join(webhookDir, 'ingress'), webhookStartup.ingress),
    processCpuSeconds: cpu(webhooks.cost.usage),
  });
  return runs;
}
