/**
 * Journey policy bodies, stored once per digest. The API stores the body before it starts a journey
 * with the body's reference; the journey reads it back through the `resolvePolicy` local activity.
 */
import { canonicalJson, policyDigest } from '../policy/digest';
import type { JourneyPolicy } from '../policy/schema';
import type { PolicyRef, StoredPolicy } from '../journey/definitions';
import type { PrismaClient } from './client';

/** Digests already stored through a client: one policy is written once per process, not per case. */
const storedBy = new WeakMap<PrismaClient, Set<string>>();

export async function storePolicy(prisma: PrismaClient, body: JourneyPolicy): Promise<StoredPolicy> {
  const ref: PolicyRef = { id: body.id, version: body.version, digest: policyDigest(body) };
  const seen = storedBy.get(prisma) ?? new Set<string>();
  storedBy.set(prisma, seen);
  if (!seen.has(ref.digest)) {
    // Same digest, same body: a concurrent or repeated store changes nothing.
    await prisma.policyBody.upsert({
      where: { digest: ref.digest },
      create: { digest: ref.digest, policyId: ref.id, version: ref.version, body: canonicalJson(body) },
      update: {},
    });
    seen.add(ref.digest);
  }
  return { ref, body };
}

export class PolicyBodyMissingError extends Error {
  override name = 'PolicyBodyMissingError';
}

/** The stored body a reference names, checked against its digest, id and version. */
export async function readPolicy(prisma: PrismaClient, ref: PolicyRef): Promise<JourneyPolicy> {
  const row = await prisma.policyBody.findUnique({ where: { digest: ref.digest } });
  if (!row) throw new PolicyBodyMissingError(`policy ${ref.id} v${ref.version} (${ref.digest}) is not stored in the database`);
  const body = JSON.parse(row.body) as JourneyPolicy;
  if (body.id !== ref.id || body.version !== ref.version || policyDigest(body) !== ref.digest) {
    throw new PolicyBodyMissingError(`the body stored as ${ref.digest} is not policy ${ref.id} v${ref.version}`);
  }
  return body;
}
