import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../scripts/temporal-dev-server';

/**
 * Summaries of V8 `.cpuprofile` files (`node --cpu-prof`): where a process's JavaScript thread spent its
 * time, by package or project file (self time) and by function (self and inclusive time).
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Share {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  /** Wall time the profile covers, and the part of it the thread was busy (not idle). */
  wallMs: number;
  busyMs: number;
  byCategory: Share[];
  selfByFunction: Share[];
  inclusiveByFunction: Share[];
}

/** Which package, project file or engine bucket a frame belongs to. */
function category(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) {
    // node:internal/deps/undici/… → node:internal/deps/undici; node:internal/streams/… → node:internal/streams
    const parts = url.slice(5).split('/');
    const depth = parts[0] === 'internal' ? (parts[1] === 'deps' ? 3 : 2) : 1;
    return `node:${parts.slice(0, depth).join('/').replace(/\.js$/, '')}`;
  }
  if (url.includes('workflow-bundle')) return 'workflow bundle (workflow code + SDK, in the VM)';
  const file = url.replace(/^file:\/\//, '');
  return file.startsWith(PROJECT_ROOT) ? path.relative(PROJECT_ROOT, file) : file;
}

function functionKey(frame: CallFrame): string {
  const where = frame.url ? `${category(frame)}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

const IDLE = new Set(['(idle)', '(program)']);

/**
 * `fromMicros`: samples before this V8 timestamp are left out (the process's start-up: module loading and
 * workflow bundle evaluation are not what a steady load costs). All threads of a process share the clock.
 */
export function summarizeProfile(file: string, top = 15, fromMicros = 0): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  return summarizeLoaded(file, profile, top, fromMicros);
}

function summarizeLoaded(file: string, profile: CpuProfile, top: number, fromMicros: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByNode = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at < fromMicros) return;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + delta / 1000);
  });
  let busyMs = 0;
  const byCategory = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, ms] of selfByNode) {
    const node = byId.get(id);
    if (!node || IDLE.has(node.callFrame.functionName)) continue;
    busyMs += ms;
    const cat = category(node.callFrame);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + ms);
    const key = functionKey(node.callFrame);
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + ms);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || frame.functionName === '(root)') continue;
      const name = functionKey(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
    }
  }
  const shares = (map: Map<string, number>): Share[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({
        name,
        ms: Math.round(ms),
        percent: Math.round((ms / Math.max(1, busyMs)) * 1000) / 10,
      }));
  return {
    file: path.basename(file),
    wallMs: Math.round((profile.endTime - Math.max(profile.startTime, fromMicros)) / 1000),
    busyMs: Math.round(busyMs),
    byCategory: shares(byCategory),
    selfByFunction: shares(selfByFunction),
    inclusiveByFunction: shares(inclusive),
  };
}

/**
 * Every profile (one per thread) of one process in a folder, busiest first, leaving out the first
 * `skipStartupMs` after the process started (the earliest profile start).
 */
export function summarizeProfiles(dir: string, skipStartupMs = 0, top = 15): ProfileSummary[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  const loaded = files.map((name) => ({
    file: path.join(dir, name),
    profile: JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as CpuProfile,
  }));
  const processStart = Math.min(...loaded.map(({ profile }) => profile.startTime));
  const from = processStart + skipStartupMs * 1000;
  return loaded
    .map(({ file, profile }) => summarizeLoaded(file, profile, top, from))
    .sort((a, b) => b.busyMs - a.busyMs);
}
