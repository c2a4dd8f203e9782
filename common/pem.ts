import { readFileSync } from 'node:fs';

/**
 * A PEM given either as its text or as the path of a file holding it (DESIGN.md §7). Env files often carry
 * PEM text on one line with literal `\n`, so those are restored. Errors never echo the value: it may be a key.
 */
export function readPem(value: string): string {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  const text = readFileSync(value, 'utf8');
  if (!text.includes('-----BEGIN')) throw new Error('the file does not hold a PEM block');
  return text;
}
