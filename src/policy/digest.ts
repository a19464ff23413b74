/**
 * A policy's content digest: sha256 of its canonical JSON (keys sorted), so the same policy always
 * names the same stored body, whatever the order of its fields. Node only: workflows never compute it.
 */
import { createHash } from 'node:crypto';
import type { JourneyPolicy } from './schema';

export function policyDigest(policy: JourneyPolicy): string {
  return `sha256:${createHash('sha256').update(canonicalJson(policy)).digest('hex')}`;
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
