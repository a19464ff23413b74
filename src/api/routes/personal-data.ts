/**
 * The person's details and the case's notes: decrypted only here, for the roles that need them,
 * and every read is written to the audit log before the data is read.
 */
import { z } from 'zod';
import { PersonalData } from '../../personal-data/schema';
import { audit, auditedWrite, authorizeCase, type ApiContext } from '../context';
import { Problem } from '../problems';
import { CaseParams, Notes } from '../schemas';

export function personalDataRoutes(ctx: ApiContext) {
  getPersonalData(ctx);
  putPersonalData(ctx);
  listNotes(ctx);
}

const noPersonalData = (caseCode: string) => new Problem(404, 'not-found', `case ${caseCode} has no personal data on file`);

function getPersonalData(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/cases/:code/personal-data',
      operationId: 'getPersonalData',
      tag: 'Personal data',
      summary: "The person's details (audited read)",
      description: 'Coordinators of the province, and staff whose agency holds an open task of the case. Every read is written to the audit log first; without the audit record, no data.',
      access: 'personal-data.read',
      params: CaseParams,
      responses: {
        200: { description: 'The decrypted details', schema: z.object({ caseCode: z.string(), personalData: PersonalData, updatedAt: z.string() }) },
        404: { description: 'No such case in your scope, or no personal data on file' },
      },
    },
    async ({ request, params }) => {
      await authorizeCase(ctx, request, 'personal-data.read', params.code);
      if (!(await ctx.personalData.exists(params.code))) {
        await audit(ctx, request, { action: 'personal-data.read', outcome: 'failed', caseCode: params.code, detail: { found: false } });
        throw noPersonalData(params.code);
      }
      // A read that cannot be recorded does not happen.
      await audit(ctx, request, { action: 'personal-data.read', outcome: 'ok', caseCode: params.code });
      const found = await ctx.personalData.read(params.code);
      if (!found) throw noPersonalData(params.code);
      return { caseCode: params.code, personalData: found.data, updatedAt: found.updatedAt.toISOString() };
    },
  );
}

function putPersonalData(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'PUT',
      url: '/cases/:code/personal-data',
      operationId: 'putPersonalData',
      tag: 'Personal data',
      summary: "Record or replace the person's details (encrypted at rest)",
      access: 'personal-data.write',
      params: CaseParams,
      body: PersonalData,
      responses: { 204: { description: 'Stored' } },
    },
    async ({ request, reply, params, body, principal }) => {
      await authorizeCase(ctx, request, 'personal-data.write', params.code);
      await auditedWrite(ctx, request, { action: 'personal-data.write', outcome: 'ok', caseCode: params.code }, (_tx, store) => store.save(params.code, body, principal.id));
      return reply.code(204).send();
    },
  );
}

function listNotes(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/cases/:code/notes',
      operationId: 'listNotes',
      tag: 'Personal data',
      summary: "The case's notes (free text, may hold personal data: audited read)",
      access: 'personal-data.read',
      params: CaseParams,
      responses: { 200: { description: 'Notes, oldest first', schema: Notes } },
    },
    async ({ request, params }) => {
      await authorizeCase(ctx, request, 'personal-data.read', params.code);
      await audit(ctx, request, { action: 'notes.read', outcome: 'ok', caseCode: params.code });
      return { items: await ctx.personalData.notes(params.code) };
    },
  );
}
