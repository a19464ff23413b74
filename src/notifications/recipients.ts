/**
 * Who is told: the people of a ladder step's roles, who hears about someone nobody could reach,
 * and who gets the daily digest. Only active staff; each person once. Someone away is replaced
 * by whoever covers for them at the step's time (src/domain/absence.ts): the workflow's clock, so
 * a retried activity decides the same.
 */
import type { Database, StaffMember } from '../db/client';
import { coverOf } from '../domain/absence';
import type { EscalationNotice } from '../journey/notices';
import type { RecipientRole } from '../policy/schema';

/** Someone told; `coveringFor` when they are told in place of a colleague who is away. */
export type Recipient = StaffMember & { coveringFor?: StaffMember };

export interface StepRecipients {
  /** The people of these roles for the step's task (or who covers for them), in role order, each once. */
  of(roles: readonly RecipientRole[]): Promise<Recipient[]>;
  /** Who is told, round after round until someone is reached, that a person could not be reached. */
  readonly relayRounds: readonly (readonly RecipientRole[])[];
}

/** The last resort of a relay: the lead agency's coordinators and managers. */
const LEAD_AGENCY: readonly RecipientRole[] = ['coordinator', 'manager'];

export async function stepRecipients({ prisma }: Database, notice: EscalationNotice): Promise<StepRecipients> {
  const { task } = notice;
  const theCase = await prisma.case.findUniqueOrThrow({ where: { code: notice.caseCode } });
  const assignee = task.assigneeId ? await prisma.staffMember.findUnique({ where: { id: task.assigneeId } }) : null;
  const at = notice.at ? new Date(notice.at) : new Date();
  const find = (id: string) => prisma.staffMember.findUnique({ where: { id } });
  const byRole = (agencyId: string, role: string) => prisma.staffMember.findMany({ where: { agencyId, role, active: true }, orderBy: { id: 'asc' } });
  const by: Record<RecipientRole, () => Promise<StaffMember[]>> = {
    // An unassigned task is the supervisors' to hand out.
    assignee: async () => (assignee ? [assignee] : byRole(task.agencyId, 'supervisor')),
    supervisor: async () =>
      assignee?.supervisorId ? [await prisma.staffMember.findUniqueOrThrow({ where: { id: assignee.supervisorId } })] : byRole(task.agencyId, 'supervisor'),
    focal_point: () => byRole(task.agencyId, 'focal_point'),
    coordinator: () => byRole(theCase.leadAgencyId, 'coordinator'),
    manager: () => byRole(theCase.leadAgencyId, 'manager'),
  };
  return {
    async of(roles) {
      const found = new Map<string, Recipient>();
      for (const role of roles) {
        for (const person of await by[role]()) {
          const { cover, by: coveredBy } = await coverOf(person, at, find);
          if (!found.has(cover.id)) found.set(cover.id, coveredBy === 'self' ? cover : { ...cover, coveringFor: person });
        }
      }
      return [...found.values()];
    },
    relayRounds: [notice.relayTo ?? [], LEAD_AGENCY],
  };
}

export interface DigestAudience {
  province: string;
  /** The province's active managers with an email address, by id. */
  managers: (StaffMember & { email: string })[];
}

/** Every province with an active manager (with or without an address), in code order. */
export async function digestAudiences({ prisma }: Database): Promise<DigestAudience[]> {
  const managers = await prisma.staffMember.findMany({ where: { role: 'manager', active: true }, include: { agency: true }, orderBy: { id: 'asc' } });
  const provinces = [...new Set(managers.map((m) => m.agency.province))].sort();
  return provinces.map((province) => ({
    province,
    managers: managers.filter((m): m is typeof m & { email: string } => m.agency.province === province && !!m.email),
  }));
}
