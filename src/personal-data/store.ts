/**
 * Personal data and notes in the database, encrypted (./crypto.ts). Callers audit every read
 * (src/audit); this module only stores and decrypts.
 */
import { randomUUID } from 'node:crypto';
import { ZodError } from 'zod';
import type { PrismaClient } from '../db/client';
import { DecryptionError, open, seal, type Keyring } from './crypto';
import { PersonalData } from './schema';

const PERSON = 'personal-data';
const NOTE = 'case-note';

/** The part of Prisma this store uses: a client or a transaction. */
export type PersonalDataClient = Pick<PrismaClient, 'casePersonalData' | 'caseNote'>;

export class PersonalDataStore {
  constructor(
    private readonly prisma: PersonalDataClient,
    private readonly keyring: Keyring,
  ) {}

  /** The same store inside a transaction. */
  withClient(client: PersonalDataClient): PersonalDataStore {
    return new PersonalDataStore(client, this.keyring);
  }

  async save(caseCode: string, data: PersonalData, updatedBy: string): Promise<void> {
    const sealed = seal(this.keyring, PERSON, caseCode, PersonalData.parse(data));
    await this.prisma.casePersonalData.upsert({
      where: { caseCode },
      create: { caseCode, ...sealed, updatedBy },
      update: { ...sealed, updatedBy },
    });
  }

  async exists(caseCode: string): Promise<boolean> {
    return (await this.prisma.casePersonalData.count({ where: { caseCode } })) > 0;
  }

  async read(caseCode: string): Promise<{ data: PersonalData; updatedAt: Date } | null> {
    const row = await this.prisma.casePersonalData.findUnique({ where: { caseCode } });
    if (!row) return null;
    return { data: PersonalData.parse(open(this.keyring, PERSON, caseCode, row)), updatedAt: row.updatedAt };
  }

  /**
   * The details of many cases at once, for figures computed in memory (src/personal-data/demographics.ts);
   * callers audit the aggregate read. A record that does not decrypt (or no longer parses) is left out and named in
   * `undecryptable`, so that one bad row does not stop a report.
   */
  async readMany(caseCodes: readonly string[], batch = 500): Promise<{ found: Map<string, PersonalData>; undecryptable: Set<string> }> {
    const found = new Map<string, PersonalData>();
    const undecryptable = new Set<string>();
    for (let i = 0; i < caseCodes.length; i += batch) {
      const rows = await this.prisma.casePersonalData.findMany({ where: { caseCode: { in: caseCodes.slice(i, i + batch) } } });
      for (const row of rows) {
        try {
          found.set(row.caseCode, PersonalData.parse(open(this.keyring, PERSON, row.caseCode, row)));
        } catch (error) {
          // A wrong key, tampering, or a record no longer valid under the schema: never its content.
          if (!(error instanceof DecryptionError || error instanceof ZodError)) throw error;
          undecryptable.add(row.caseCode);
        }
      }
    }
    return { found, undecryptable };
  }

  async remove(caseCode: string): Promise<void> {
    await this.prisma.casePersonalData.deleteMany({ where: { caseCode } });
  }

  async addNote(n: { caseCode: string; taskId: string; staffId: string; agencyId: string; text: string }): Promise<string> {
    const id = randomUUID();
    const sealed = seal(this.keyring, NOTE, `${n.caseCode}/${id}`, { text: n.text });
    await this.prisma.caseNote.create({ data: { id, caseCode: n.caseCode, taskId: n.taskId, staffId: n.staffId, agencyId: n.agencyId, ...sealed } });
    return id;
  }

  async removeNote(id: string): Promise<void> {
    await this.prisma.caseNote.deleteMany({ where: { id } });
  }

  async notes(caseCode: string) {
    const rows = await this.prisma.caseNote.findMany({ where: { caseCode }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map((r) => ({
      id: r.id,
      taskId: r.taskId,
      staffId: r.staffId,
      agencyId: r.agencyId,
      createdAt: r.createdAt.toISOString(),
      text: (open(this.keyring, NOTE, `${caseCode}/${r.id}`, r) as { text: string }).text,
    }));
  }

  /**
   * Re-encrypts every record not under the active key. Run after adding a new active key; once it
   * reports 0 left, the old key can leave the keyring. Safe to run while the API serves: a row
   * changed meanwhile is skipped (its new write already uses the active key).
   */
  async rotate(batch = 200): Promise<{ personalData: number; notes: number }> {
    const active = this.keyring.activeKeyId;
    let personalData = 0;
    let notes = 0;
    for (;;) {
      const rows = await this.prisma.casePersonalData.findMany({ where: { keyId: { not: active } }, take: batch });
      if (rows.length === 0) break;
      for (const row of rows) {
        const sealed = seal(this.keyring, PERSON, row.caseCode, open(this.keyring, PERSON, row.caseCode, row));
        const { count } = await this.prisma.casePersonalData.updateMany({ where: { caseCode: row.caseCode, keyId: row.keyId, iv: row.iv }, data: sealed });
        personalData += count;
      }
    }
    for (;;) {
      const rows = await this.prisma.caseNote.findMany({ where: { keyId: { not: active } }, take: batch });
      if (rows.length === 0) break;
      for (const row of rows) {
        const binding = `${row.caseCode}/${row.id}`;
        const sealed = seal(this.keyring, NOTE, binding, open(this.keyring, NOTE, binding, row));
        const { count } = await this.prisma.caseNote.updateMany({ where: { id: row.id, keyId: row.keyId }, data: sealed });
        notes += count;
      }
    }
    return { personalData, notes };
  }
}
