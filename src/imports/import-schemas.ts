import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors/app-error.js';
import type { ContactFields } from '../contacts/contact.js';
import { fieldsOf } from '../schemas/custom-field-schema.js';
import { listCurrentSchemas } from '../schemas/schema.repository.js';
import { loadCustomFieldsValidator } from '../schemas/schema.service.js';
import type { SchemaRef } from '../schemas/schema.js';

/**
 * Checks imported custom fields against their schema (SPEC §7), loading each schema version's
 * validator once per job. A row that names no schema (no `schema.id` column) gets the enabled
 * contact schema whose current version has every custom field it gives.
 */
export class ImportCustomFields {
  private readonly validators = new Map<string, (fields: Record<string, unknown>) => string[]>();
  private schemas: { ref: SchemaRef; fields: Set<string> }[] | null = null;

  constructor(private readonly orgId: string) {}

  /**
   * Reads with `db`: the caller's transaction (SQLite has one connection; another would wait).
   * @returns the fields with their schema set, or why they cannot be imported.
   */
  async check(db: Kysely<DB>, fields: ContactFields): Promise<ContactFields | string> {
    const custom = fields.customFields;
    if (custom === undefined) return fields;
    let ref: SchemaRef | undefined = fields.schema;
    if (ref === undefined) {
      this.schemas ??= (await listCurrentSchemas(db, this.orgId, 'contact'))
        .filter((v) => v.enabled)
        .map((v) => ({
          ref: { id: v.schemaId, version: v.version },
          fields: new Set(fieldsOf(v.jsonSchema).map((f) => f.name)),
        }));
      const names = Object.keys(custom);
      ref = this.schemas.find((s) => names.every((n) => s.fields.has(n)))?.ref;
      if (ref === undefined)
        return `no enabled contact schema has the custom field${names.length > 1 ? 's' : ''} ${names.join(', ')}: create one, or name it in a schema.id column`;
    }
    const key = `${ref.id}\u0000${ref.version}`;
    let validate = this.validators.get(key);
    if (validate === undefined) {
      try {
        validate = await loadCustomFieldsValidator(db, this.orgId, 'contact', ref);
      } catch (error) {
        if (error instanceof AppError) return error.message;
        throw error;
      }
      this.validators.set(key, validate);
    }
    const problems = validate(custom);
    return problems.length > 0 ? problems.join('; ') : { ...fields, schema: ref };
  }
}
