import {
  CORE_TYPES,
  SCHEMA_LIMITS,
  type CoreType,
  type SchemaDocument,
  type SchemaEntity,
} from './custom-field-schema.js';

/** A custom-field schema as its current version describes it (one row of the schemas table). */
export interface CustomFieldSchema {
  orgId: string;
  id: string;
  entity: SchemaEntity;
  name: string;
  enabled: boolean;
  /** The current version. */
  version: number;
  createdBy: string | null;
  createdAt: string;
  modifiedAt: string;
}

/** One version of a schema: what `GET /schemas/{id}/versions/{version}` answers. Immutable. */
export interface SchemaVersion {
  orgId: string;
  schemaId: string;
  entity: SchemaEntity;
  version: number;
  name: string;
  enabled: boolean;
  jsonSchema: SchemaDocument;
  createdBy: string | null;
  createdAt: string;
}

/** Where a schema of the given records is named: `schema: {id, version}`. */
export interface SchemaRef {
  readonly id: string;
  readonly version: number;
}

export const CONTACT_SCHEMAS_PATH = '/api/v2/externalcontacts/contacts/schemas';
export const ORGANIZATION_SCHEMAS_PATH = '/api/v2/externalcontacts/organizations/schemas';

export function schemasPath(entity: SchemaEntity): string {
  return entity === 'contact' ? CONTACT_SCHEMAS_PATH : ORGANIZATION_SCHEMAS_PATH;
}

/** The Genesys `appliesTo` of a schema for these records. */
export function appliesTo(entity: SchemaEntity): string[] {
  return entity === 'contact' ? ['CONTACT'] : ['EXTERNAL_ORGANIZATION'];
}

/** The Genesys `DataSchema` shape. */
export interface DataSchemaView {
  id: string;
  name: string;
  version: number;
  appliesTo: string[];
  enabled: boolean;
  createdBy?: { id: string };
  dateCreated: string;
  jsonSchema: SchemaDocument;
  selfUri: string;
}

/**
 * One mapping from a schema version to the wire shape. `versioned` gives the version's own
 * selfUri (`.../versions/{n}`), as the versions endpoints list them.
 */
export function toDataSchemaView(version: SchemaVersion, versioned = false): DataSchemaView {
  const base = `${schemasPath(version.entity)}/${version.schemaId}`;
  return {
    id: version.schemaId,
    name: version.name,
    version: version.version,
    appliesTo: appliesTo(version.entity),
    enabled: version.enabled,
    ...(version.createdBy === null ? {} : { createdBy: { id: version.createdBy } }),
    dateCreated: version.createdAt,
    jsonSchema: version.jsonSchema,
    selfUri: versioned ? `${base}/versions/${version.version}` : base,
  };
}

/** The Genesys `Coretype` shape. */
export interface CoretypeView {
  id: string;
  name: string;
  version: number;
  dateCreated: string;
  schema: {
    title: string;
    description: string;
    type: string[];
    items?: { type: string };
    pattern?: string;
  };
  current: boolean;
  validationFields: string[];
  validationLimits: Record<string, { min: number; max: number }>;
  itemValidationFields?: string[];
  itemValidationLimits?: Record<string, { min: number; max: number }>;
  selfUri: string;
}

/** When the core types were first defined; they have one version. */
const CORE_TYPES_DATE = '2026-12-02T00:00:00.000Z';

export function toCoretypeView(core: CoreType, entity: SchemaEntity): CoretypeView {
  const view: CoretypeView = {
    id: core.name,
    name: core.name,
    version: 1,
    dateCreated: CORE_TYPES_DATE,
    schema: {
      title: core.title,
      description: core.description,
      type: [core.jsonType],
      ...(core.jsonType === 'array' ? { items: { type: 'string' } } : {}),
      ...(core.name === 'date' ? { pattern: '^\\d{4}-\\d{2}-\\d{2}$' } : {}),
    },
    current: true,
    validationFields: core.name === 'enum' ? ['enum'] : Object.keys(core.limits),
    validationLimits: { ...core.limits },
    selfUri: `${schemasPath(entity)}/coretypes/${core.name}`,
  };
  if (core.itemLimits !== undefined) {
    view.itemValidationFields = Object.keys(core.itemLimits);
    view.itemValidationLimits = { ...core.itemLimits };
  }
  return view;
}

export function coretypeViews(entity: SchemaEntity): CoretypeView[] {
  return Object.values(CORE_TYPES).map((core) => toCoretypeView(core, entity));
}

/** The Genesys `SchemaQuantityLimits` shape. */
export function toLimitsView(entity: SchemaEntity): Record<string, string | number> {
  return {
    minFieldNameCharacters: SCHEMA_LIMITS.fieldName.min,
    maxFieldNameCharacters: SCHEMA_LIMITS.fieldName.max,
    minFieldTitleCharacters: SCHEMA_LIMITS.fieldTitle.min,
    maxFieldTitleCharacters: SCHEMA_LIMITS.fieldTitle.max,
    minFieldDescriptionCharacters: SCHEMA_LIMITS.fieldDescription.min,
    maxFieldDescriptionCharacters: SCHEMA_LIMITS.fieldDescription.max,
    minSchemaNameCharacters: SCHEMA_LIMITS.schemaName.min,
    maxSchemaNameCharacters: SCHEMA_LIMITS.schemaName.max,
    minSchemaDescriptionCharacters: SCHEMA_LIMITS.schemaDescription.min,
    maxSchemaDescriptionCharacters: SCHEMA_LIMITS.schemaDescription.max,
    maxNumberOfSchemasPerOrg: SCHEMA_LIMITS.schemasPerOrg,
    maxNumberOfFieldsPerSchema: SCHEMA_LIMITS.fieldsPerSchema,
    maxNumberOfFieldsPerOrg: SCHEMA_LIMITS.fieldsPerOrg,
    selfUri: `${schemasPath(entity)}/limits`,
  };
}

/** The notification topic of a schema. */
export function schemaTopic(entity: SchemaEntity, id: string): string {
  return `v2.externalcontacts.${entity === 'contact' ? 'contacts' : 'organizations'}.schemas.${id}`;
}
