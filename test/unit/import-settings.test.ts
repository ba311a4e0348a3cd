import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/app-error.js';
import {
  checkCsvSettings,
  checkImportSettings,
  checkPageSize,
  fieldKey,
  matchingCriterion,
  parseSortOrder,
  toCsvSettingsView,
  toImportSettingsView,
  type CsvSettingsInput,
  type ImportSettingsInput,
} from '../../src/imports/import-settings.js';

/** The fields a rule's AppError names, or fails when the call does not throw one. */
function fieldsNamedBy(call: () => unknown, status = 400): string[] {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect(appError.status).toBe(status);
    return appError.details.map((d) => d.fieldName ?? '');
  }
  throw new Error('expected an AppError, but the call returned');
}

const settings = (over: Partial<ImportSettingsInput> = {}): ImportSettingsInput => ({
  name: 'Weekly CRM import',
  matchingCriteria: ['Email', 'Phone'],
  mergeContacts: true,
  externalSourceId: 'source-1',
  importFields: [
    { name: 'firstName', included: true },
    { name: 'customFields.tier_enum', included: false },
  ],
  ...over,
});

const csv = (over: Partial<CsvSettingsInput> = {}): CsvSettingsInput => ({
  externalSettingsId: 'settings-1',
  mappings: [
    { sourceField: 'First Name', targetField: 'firstName' },
    { sourceField: 'E-mail', targetField: 'workEmail' },
  ],
  ...over,
});

describe('matchingCriterion', () => {
  it('reads each criterion in any case, with spaces around, as its canonical name', () => {
    expect(matchingCriterion('externalid')).toBe('ExternalId');
    expect(matchingCriterion(' EMAIL ')).toBe('Email');
    expect(matchingCriterion('phone')).toBe('Phone');
  });

  it('knows no other criterion', () => {
    for (const name of ['', 'Name', 'External Id', 'emails', 'PhoneNumber'])
      expect(matchingCriterion(name)).toBeUndefined();
  });
});

describe('fieldKey', () => {
  it('names built-in fields in any case and custom fields exactly', () => {
    expect(fieldKey('WorkEmail')).toBe(fieldKey('workemail'));
    expect(fieldKey('customFields.Tier_text')).not.toBe(fieldKey('customFields.tier_text'));
  });
});

describe('checkImportSettings', () => {
  it('keeps valid settings, trimmed, with the criteria canonical and in the given order', () => {
    expect(
      checkImportSettings(
        settings({
          name: '  Weekly CRM import ',
          matchingCriteria: ['phone', 'EMAIL', 'externalId'],
          externalSourceId: ' source-1 ',
          importFields: [{ name: ' firstName ', included: true }],
        }),
      ),
    ).toEqual({
      name: 'Weekly CRM import',
      matchingCriteria: ['Phone', 'Email', 'ExternalId'],
      mergeContacts: true,
      externalSourceId: 'source-1',
      importFields: [{ name: 'firstName', included: true }],
    });
  });

  it('takes absent or null criteria as none (the external id alone)', () => {
    expect(checkImportSettings(settings({ matchingCriteria: undefined })).matchingCriteria).toEqual(
      [],
    );
    expect(checkImportSettings(settings({ matchingCriteria: null })).matchingCriteria).toEqual([]);
  });

  it('keeps mergeContacts false (update the first matched contact only)', () => {
    expect(checkImportSettings(settings({ mergeContacts: false })).mergeContacts).toBe(false);
  });

  it('accepts names of 1 and 200 characters and refuses empty or longer ones naming name', () => {
    expect(checkImportSettings(settings({ name: 'x' })).name).toBe('x');
    expect(checkImportSettings(settings({ name: 'x'.repeat(200) })).name).toHaveLength(200);
    for (const name of ['', '   ', 'x'.repeat(201)])
      expect(fieldsNamedBy(() => checkImportSettings(settings({ name })))).toEqual(['name']);
  });

  it('refuses an unknown criterion, naming its index', () => {
    expect(
      fieldsNamedBy(() => checkImportSettings(settings({ matchingCriteria: ['Email', 'Name'] }))),
    ).toEqual(['matchingCriteria[1]']);
  });

  it('refuses a criterion listed twice, in any case, naming the repeat', () => {
    expect(
      fieldsNamedBy(() =>
        checkImportSettings(settings({ matchingCriteria: ['Email', 'Phone', 'email'] })),
      ),
    ).toEqual(['matchingCriteria[2]']);
  });

  it('refuses an empty externalSourceId naming it', () => {
    expect(fieldsNamedBy(() => checkImportSettings(settings({ externalSourceId: ' ' })))).toEqual([
      'externalSourceId',
    ]);
  });

  it('refuses an import field named twice or not named, naming each', () => {
    expect(
      fieldsNamedBy(() =>
        checkImportSettings(
          settings({
            importFields: [
              { name: 'firstName', included: true },
              { name: '', included: true },
              { name: 'FIRSTNAME', included: false },
            ],
          }),
        ),
      ),
    ).toEqual(['importFields[1].name', 'importFields[2].name']);
  });

  it('tells custom import fields apart by case, as custom field names are', () => {
    const fields = [
      { name: 'customFields.tier_text', included: true },
      { name: 'customFields.Tier_text', included: true },
    ];
    expect(checkImportSettings(settings({ importFields: fields })).importFields).toEqual(fields);
  });

  it('accepts no import fields, and refuses more than 200', () => {
    expect(checkImportSettings(settings({ importFields: [] })).importFields).toEqual([]);
    const many = Array.from({ length: 201 }, (_, i) => ({ name: `f${i}`, included: true }));
    expect(fieldsNamedBy(() => checkImportSettings(settings({ importFields: many })))).toEqual([
      'importFields',
    ]);
  });

  it('names every broken rule at once', () => {
    expect(
      fieldsNamedBy(() =>
        checkImportSettings(
          settings({ name: '', matchingCriteria: ['Fax'], externalSourceId: '' }),
        ),
      ),
    ).toEqual(['name', 'matchingCriteria[0]', 'externalSourceId']);
  });
});

describe('checkCsvSettings', () => {
  it('keeps valid mappings, trimmed, in order', () => {
    expect(
      checkCsvSettings(
        csv({
          externalSettingsId: ' settings-1 ',
          mappings: [
            { sourceField: ' First Name ', targetField: ' firstName ' },
            { sourceField: 'Tier', targetField: 'customFields.tier_enum' },
            { sourceField: 'City', targetField: 'address.city' },
          ],
        }),
      ),
    ).toEqual({
      externalSettingsId: 'settings-1',
      mappings: [
        { sourceField: 'First Name', targetField: 'firstName' },
        { sourceField: 'Tier', targetField: 'customFields.tier_enum' },
        { sourceField: 'City', targetField: 'address.city' },
      ],
    });
  });

  it('takes an absent, null or empty externalSettingsId as none', () => {
    for (const externalSettingsId of [undefined, null, '', '  '])
      expect(checkCsvSettings(csv({ externalSettingsId })).externalSettingsId).toBeNull();
  });

  it('needs 1 to 200 mappings, naming mappings', () => {
    expect(fieldsNamedBy(() => checkCsvSettings(csv({ mappings: [] })))).toEqual(['mappings']);
    const customs = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        sourceField: `Column ${i}`,
        targetField: `customFields.field${i}_text`,
      }));
    expect(checkCsvSettings(csv({ mappings: customs(200) })).mappings).toHaveLength(200);
    expect(fieldsNamedBy(() => checkCsvSettings(csv({ mappings: customs(201) })))).toEqual([
      'mappings',
    ]);
  });

  it('refuses an empty source field naming it', () => {
    expect(
      fieldsNamedBy(() =>
        checkCsvSettings(csv({ mappings: [{ sourceField: '  ', targetField: 'firstName' }] })),
      ),
    ).toEqual(['mappings[0].sourceField']);
  });

  it('refuses a source field mapped twice, in any case, naming the second', () => {
    expect(
      fieldsNamedBy(() =>
        checkCsvSettings(
          csv({
            mappings: [
              { sourceField: 'Name', targetField: 'firstName' },
              { sourceField: 'NAME', targetField: 'lastName' },
            ],
          }),
        ),
      ),
    ).toEqual(['mappings[1].sourceField']);
  });

  it('refuses a target field no import writes, naming it', () => {
    for (const targetField of ['', 'favouriteColour', 'customFields.', 'customFields.9lives'])
      expect(
        fieldsNamedBy(() =>
          checkCsvSettings(csv({ mappings: [{ sourceField: 'Column', targetField }] })),
        ),
      ).toEqual(['mappings[0].targetField']);
  });

  it('accepts built-in targets in any case', () => {
    expect(
      checkCsvSettings(csv({ mappings: [{ sourceField: 'Column', targetField: 'FIRSTNAME' }] }))
        .mappings,
    ).toEqual([{ sourceField: 'Column', targetField: 'FIRSTNAME' }]);
  });

  it('refuses a target mapped twice (built-in in any case, custom exactly), naming the second', () => {
    expect(
      fieldsNamedBy(() =>
        checkCsvSettings(
          csv({
            mappings: [
              { sourceField: 'A', targetField: 'workEmail' },
              { sourceField: 'B', targetField: 'WORKEMAIL' },
              { sourceField: 'C', targetField: 'customFields.tier_text' },
              { sourceField: 'D', targetField: 'customFields.tier_text' },
              { sourceField: 'E', targetField: 'customFields.Tier_text' },
            ],
          }),
        ),
      ),
    ).toEqual(['mappings[1].targetField', 'mappings[3].targetField']);
  });
});

describe('parseSortOrder', () => {
  it('is Ascending unless told Descending, in any case', () => {
    expect(parseSortOrder(undefined)).toBe('Ascending');
    expect(parseSortOrder('')).toBe('Ascending');
    expect(parseSortOrder('ascending')).toBe('Ascending');
    expect(parseSortOrder('DESCENDING')).toBe('Descending');
  });

  it('refuses anything else naming sortOrder', () => {
    expect(fieldsNamedBy(() => parseSortOrder('name:desc'))).toEqual(['sortOrder']);
  });
});

describe('checkPageSize', () => {
  it('accepts 1 to 200 and refuses the rest naming pageSize', () => {
    expect(checkPageSize(1)).toBe(1);
    expect(checkPageSize(200)).toBe(200);
    for (const size of [0, -1, 201, 2.5])
      expect(fieldsNamedBy(() => checkPageSize(size))).toEqual(['pageSize']);
  });
});

describe('views', () => {
  it('shows import settings in the Genesys ContactImportSettings shape', () => {
    expect(
      toImportSettingsView({
        id: 's1',
        orgId: 'org',
        name: 'N',
        matchingCriteria: ['Email'],
        mergeContacts: false,
        externalSourceId: 'src',
        importFields: [],
        dateCreated: '2026-12-02T10:00:00.000Z',
      }),
    ).toEqual({
      id: 's1',
      name: 'N',
      matchingCriteria: ['Email'],
      mergeContacts: false,
      externalSourceId: 'src',
      importFields: [],
      dateCreated: '2026-12-02T10:00:00.000Z',
      selfUri: '/api/v2/externalcontacts/import/settings/s1',
    });
  });

  it('leaves externalSettingsId out of CSV settings that have none', () => {
    const view = toCsvSettingsView({
      id: 'c1',
      orgId: 'org',
      externalSettingsId: null,
      mappings: [],
      dateCreated: '2026-12-02T10:00:00.000Z',
    });
    expect(view).toEqual({
      id: 'c1',
      mappings: [],
      selfUri: '/api/v2/externalcontacts/import/csv/settings/c1',
    });
  });
});
