/** Fault injection over HTTP, for tests in another process and for trying failure paths by hand. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Faults } from './faults';

const FaultRequest = z.object({
  failNext: z
    .object({
      count: z.number().int().min(1),
      status: z.union([z.literal(429), z.literal(500), z.literal(503)]),
      retryAfterSeconds: z.number().int().min(0).optional(),
    })
    .optional(),
  unreachable: z.array(z.string()).optional(),
  failed: z.array(z.string()).optional(),
  unsubscribed: z.array(z.string()).optional(),
});
export type FaultRequest = z.infer<typeof FaultRequest>;

export async function faultControl(app: FastifyInstance, faults: Faults): Promise<void> {
  app.get('/faults', async () => faults.snapshot());

  /** Adds to the current faults; DELETE clears them. */
  app.post('/faults', async (req, reply) => {
    const parsed = FaultRequest.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: z.prettifyError(parsed.error) });
    const { failNext, unreachable = [], failed = [], unsubscribed = [] } = parsed.data;
    if (failNext) faults.failNext(failNext.count, failNext.status, failNext.retryAfterSeconds);
    faults.markUnreachable(...unreachable);
    faults.markFailed(...failed);
    faults.unsubscribe(...unsubscribed);
    return faults.snapshot();
  });

  app.delete('/faults', async () => {
    faults.reset();
    return faults.snapshot();
  });
}
