import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, temporalBinary } from '../../scripts/temporal-dev-server';

/** What every figure is printed with: a number means little without the machine it came from. */
export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  platform: string;
  node: string;
  temporalCli: string;
  temporalSdk: string;
  fintectureClientSdk: string;
}

function packageVersion(name: string): string {
  const file = path.join(PROJECT_ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  let temporalCli = 'unknown';
  try {
    temporalCli = execFileSync(temporalBinary('temporal'), ['--version'], {
      encoding: 'utf8',
      timeout: 10_000,
    })
      .trim()
      .replace(/^temporal version /, '');
  } catch {
    // reported as unknown; the stack start fails later with the real reason
  }
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    temporalCli,
    temporalSdk: packageVersion('@temporalio/worker'),
    fintectureClientSdk: packageVersion('fintecture-client'),
  };
}

/** One line for the console and the Markdown report. */
export function machineLine(info: MachineInfo): string {
  return (
    `${info.cores} cores (${info.cpuModel}), ${info.memoryGb} GB RAM, ${info.platform}; Node ${info.node}, ` +
    `Temporal CLI ${info.temporalCli}, TS SDK ${info.temporalSdk}, fintecture-client ${info.fintectureClientSdk}`
  );
}
