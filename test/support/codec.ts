/**
 * The payload codec every test client and worker uses, as in production: histories of test
 * journeys are ciphertext too. The keys are the run's (made in global-setup.ts and inherited by
 * processes the tests start), so a client of one file and a worker of another agree.
 */
import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, journeyDataConverter } from '../../src/temporal/codec';
import { generateCodecKeySpec, parseCodecKeys } from '../../src/temporal/codec-keys';

/** The run's TEMPORAL_CODEC_KEYS value (one key, "test1"). */
export const TEST_CODEC_KEYS = (process.env.DH_TEST_CODEC_KEYS ??= generateCodecKeySpec('test1'));
export const testCodecKeyring = parseCodecKeys(TEST_CODEC_KEYS);
export const testDataConverter = journeyDataConverter(testCodecKeyring);

/**
 * A fetched history with every payload decrypted, for files that must outlive the run's key
 * (test/histories/*.json, recorded by record.ts and replayed by any later run).
 */
export async function decryptedHistory<T extends object>(history: T): Promise<T> {
  const codec = new AesGcmPayloadCodec(testCodecKeyring);
  const visit = async (value: unknown): Promise<void> => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
    for (const [key, child] of Object.entries(value)) {
      const p = child as Payload | null;
      if (p && typeof p === 'object' && 'metadata' in p && 'data' in p && !(p instanceof Uint8Array)) {
        (value as Record<string, unknown>)[key] = (await codec.decode([p]))[0];
      } else {
        await visit(child);
      }
    }
  };
  await visit(history);
  return history;
}
