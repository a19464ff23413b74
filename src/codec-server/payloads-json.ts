/**
 * The codec-server protocol's body: `{"payloads":[{"metadata":{"<key>":"<base64>"},"data":"<base64>"}]}`,
 * Temporal's Payloads message in proto3 JSON (so every bytes field is base64).
 */
import type { Payload } from '@temporalio/common';
import { z } from 'zod';

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const Bytes = z.string().max(8 * 1024 * 1024).regex(BASE64, 'base64');

/** Proto3 JSON leaves out empty fields: `{}` is Payloads with none (the CLI sends it). */
export const PayloadsBody = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string().max(256), Bytes).optional(), data: Bytes.optional() }))
    .max(1000)
    .default([]),
});
export type PayloadsJson = z.infer<typeof PayloadsBody>;

const bytes = (b64: string | undefined) => new Uint8Array(Buffer.from(b64 ?? '', 'base64'));
const base64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('base64');

export function fromPayloadsJson(body: PayloadsJson): Payload[] {
  return body.payloads.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, bytes(v)])), data: bytes(p.data) }));
}

export function toPayloadsJson(payloads: Payload[]): PayloadsJson {
  return { payloads: payloads.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, base64(v)])), data: base64(p.data) })) };
}
