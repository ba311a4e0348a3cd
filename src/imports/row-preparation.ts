import { AppError } from '../errors/app-error.js';
import type { ContactFields } from '../contacts/contact.js';
import { normalizeContactFields } from '../contacts/contact-validation.js';
import { normalizeOrganizationFields } from '../organizations/organization-validation.js';
import type { OrganizationFields } from '../organizations/organization.js';
import type { CsvMapping } from './import-settings.js';
import {
  hasContactFields,
  mapColumns,
  rowFingerprint,
  rowInput,
  type MappedColumn,
} from './import-rows.js';

/*
 * The pure first step of importing a row (SPEC §8): its cells read through the mapping and
 * checked by the API's own validation, and its fingerprint. No I/O, so that it can run on a
 * worker thread (src/imports/row-preparer.ts) while the database commits the batch before.
 */

/** What preparing a job's rows needs: plain data, so that it can be sent to a thread. */
export interface PreparationSetup {
  readonly header: readonly string[];
  readonly mappings: readonly CsvMapping[] | null;
  readonly externalSourceId: string;
  readonly defaultCountry: string;
  /** What makes a row the same row again (see rowFingerprint). */
  readonly scope: string;
}

/** A row made ready: its contact fields and organization. */
export interface PreparedCells {
  readonly fingerprint: string;
  /** The value of the `id` column: the contact the row is about. */
  readonly id?: string;
  readonly contact: ContactFields | null;
  readonly organization: Partial<OrganizationFields> | null;
  readonly organizationName: string | null;
}

/** A row that cannot be imported, and why. */
export interface RefusedCells {
  readonly reason: string;
}

export type Preparation = PreparedCells | RefusedCells;

/** Prepares the rows of one job. */
export class RowPreparation {
  private readonly columns: readonly MappedColumn[];

  /** @throws CsvFileError when the header lacks a mapped column or names no field. */
  constructor(private readonly setup: PreparationSetup) {
    this.columns = mapColumns(setup.header, setup.mappings);
  }

  prepare(cells: readonly string[]): Preparation {
    const { header, externalSourceId, defaultCountry } = this.setup;
    if (cells.length !== header.length) {
      return {
        reason:
          `the row has ${cells.length} cells and the header ${header.length}: a separator or ` +
          'quote is missing or extra',
      };
    }
    const input = rowInput(cells, this.columns);
    const withContact = hasContactFields(input);
    if (!withContact && input.organization === undefined)
      return { reason: 'the row has no value in any imported column' };
    let contact: ContactFields | null = null;
    let organization: Partial<OrganizationFields> | null = null;
    try {
      if (withContact) {
        if (input.externalId !== undefined && input.externalId !== '') {
          const ids: unknown[] = Array.isArray(input.contact.externalIds)
            ? (input.contact.externalIds as unknown[])
            : [];
          input.contact.externalIds = [
            ...ids,
            { externalSource: { id: externalSourceId }, value: input.externalId },
          ];
        }
        contact = normalizeContactFields(input.contact, defaultCountry);
      }
      if (input.organization !== undefined) {
        const given = input.organization;
        // Only an external id: the organization must exist already, nothing else is set.
        organization =
          typeof given.name === 'string' ? normalizeOrganizationFields(given, defaultCountry) : {};
        if (input.organizationExternalId !== undefined && input.organizationExternalId !== '') {
          organization.externalIds = [
            { externalSource: { id: externalSourceId }, value: input.organizationExternalId },
          ];
        }
      }
    } catch (error) {
      if (error instanceof AppError) return { reason: error.message };
      throw error;
    }
    return {
      fingerprint: rowFingerprint(this.setup.scope, cells, this.columns),
      ...(input.id === undefined ? {} : { id: input.id }),
      contact,
      organization,
      organizationName: typeof organization?.name === 'string' ? organization.name : null,
    };
  }
}
