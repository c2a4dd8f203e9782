import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Payout } from './ledger';

/**
 * Keeps the sandbox's payouts in a JSON file, so `npm start` can stop and start again with in-flight
 * payouts intact (as Fintecture would keep them). Written whole on each change: a local tool's scale.
 */
export class StateFile {
  constructor(private readonly file: string) {}

  load(): Payout[] {
    if (!existsSync(this.file)) return [];
    const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { payouts?: Payout[] };
    return parsed.payouts ?? [];
  }

  save(payouts: Payout[]): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    // Write then rename: a crash mid-write leaves the previous state, never half a file.
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify({ payouts }), { mode: 0o600 });
    renameSync(temporary, this.file);
  }
}
