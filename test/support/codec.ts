/**
 * The payload codec every test client and worker uses, as in production: histories of test
 * journeys are ciphertext too. The keys are the run's (made in global-setup.ts and inherited by
 * processes the tests start), so a client of one file and a worker of another agree.
 */
import { journeyDataConverter } from '../../src/temporal/codec';
import { generateCodecKeySpec, parseCodecKeys } from '../../src/temporal/codec-keys';

/** The run's TEMPORAL_CODEC_KEYS value (one key, "test1"). */
export const TEST_CODEC_KEYS = (process.env.DH_TEST_CODEC_KEYS ??= generateCodecKeySpec('test1'));
export const testCodecKeyring = parseCodecKeys(TEST_CODEC_KEYS);
export const testDataConverter = journeyDataConverter(testCodecKeyring);
