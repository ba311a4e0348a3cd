import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import type { SchemaEntity } from './custom-field-schema.js';
import {
  createSchema,
  deleteSchema,
  getCoreType,
  getSchema,
  getSchemaVersion,
  listCoreTypes,
  listSchemas,
  listSchemaVersions,
  requireSchemaReader,
  updateSchema,
} from './schema.service.js';
import { schemasPath, toDataSchemaView, toLimitsView } from './schema.js';

/** Route schemas of the schema endpoints: they drive validation and the OpenAPI document. */

const Range = Type.Object({ min: Type.Number(), max: Type.Number() });

const JsonSchemaDocumentSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    title: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    required: Type.Optional(Type.Array(Type.String())),
    properties: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'The custom fields by name; a name ends with _ and its core type, and the field refers to it: {"allOf": [{"$ref": "#/definitions/<coretype>"}], "title": ...}',
      }),
    ),
    additionalProperties: Type.Optional(Type.Unknown()),
  },
  { title: 'JsonSchemaDocument', additionalProperties: true },
);

const DataSchemaSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    version: Type.Integer(),
    appliesTo: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    createdBy: Type.Optional(Type.Object({ id: Type.String() })),
    dateCreated: Type.String(),
    jsonSchema: JsonSchemaDocumentSchema,
    selfUri: Type.String(),
  },
  { title: 'DataSchema' },
);

/** A schema body; read-only fields sent back from a GET are accepted and ignored. */
const DataSchemaBody = Type.Object(
  {
    name: Type.Optional(Type.String()),
    version: Type.Optional(
      Type.Integer({
        description: 'On an update, the current version, which the change is made to',
      }),
    ),
    enabled: Type.Optional(Type.Boolean()),
    jsonSchema: Type.Optional(JsonSchemaDocumentSchema),
  },
  { title: 'DataSchema', additionalProperties: true },
);

const DataSchemaListing = Type.Object(
  { total: Type.Integer(), entities: Type.Array(DataSchemaSchema), selfUri: Type.String() },
  { title: 'DataSchemaListing' },
);

const CoretypeSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    version: Type.Integer(),
    dateCreated: Type.String(),
    schema: Type.Object({
      title: Type.String(),
      description: Type.String(),
      type: Type.Array(Type.String()),
      items: Type.Optional(Type.Object({ type: Type.String() })),
      pattern: Type.Optional(Type.String()),
    }),
    current: Type.Boolean(),
    validationFields: Type.Array(Type.String()),
    validationLimits: Type.Record(Type.String(), Range),
    itemValidationFields: Type.Optional(Type.Array(Type.String())),
    itemValidationLimits: Type.Optional(Type.Record(Type.String(), Range)),
    selfUri: Type.String(),
  },
  { title: 'Coretype' },
);

const LimitsSchema = Type.Object(
  {
    minFieldNameCharacters: Type.Integer(),
    maxFieldNameCharacters: Type.Integer(),
    minFieldTitleCharacters: Type.Integer(),
    maxFieldTitleCharacters: Type.Integer(),
    minFieldDescriptionCharacters: Type.Integer(),
    maxFieldDescriptionCharacters: Type.Integer(),
    minSchemaNameCharacters: Type.Integer(),
    maxSchemaNameCharacters: Type.Integer(),
    minSchemaDescriptionCharacters: Type.Integer(),
    maxSchemaDescriptionCharacters: Type.Integer(),
    maxNumberOfSchemasPerOrg: Type.Integer(),
    maxNumberOfFieldsPerSchema: Type.Integer(),
    maxNumberOfFieldsPerOrg: Type.Integer(),
    selfUri: Type.String(),
  },
  { title: 'SchemaQuantityLimits' },
);

const Id = Type.String({ minLength: 1, maxLength: 100 });
const SchemaParams = Type.Object({ schemaId: Id });
const VersionParams = Type.Object({ schemaId: Id, versionId: Id });
const CoretypeParams = Type.Object({ coreTypeName: Id });

/** The schema endpoints of one kind of record: `/contacts/schemas` or `/organizations/schemas`. */
function schemaRoutesOf(db: Kysely<DB>, entity: SchemaEntity): FastifyPluginAsync {
  const path = schemasPath(entity);
  const records = entity === 'contact' ? 'contacts' : 'external organizations';
  const tags = [entity === 'contact' ? 'Contact schemas' : 'Organization schemas'];
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      path,
      {
        schema: {
          tags,
          summary: `List the custom-field schemas of ${records} (current versions)`,
          response: { 200: DataSchemaListing, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const schemas = await listSchemas(db, principalOf(request), entity);
        return {
          total: schemas.length,
          entities: schemas.map((s) => toDataSchemaView(s)),
          selfUri: path,
        };
      },
    );

    r.post(
      path,
      {
        schema: {
          tags,
          summary: `Create a custom-field schema of ${records} (version 1)`,
          body: DataSchemaBody,
          response: { 200: DataSchemaSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toDataSchemaView(await createSchema(db, principalOf(request), entity, request.body)),
    );

    r.get(
      `${path}/coretypes`,
      {
        schema: {
          tags,
          summary: 'The core types from which all schemas are built',
          response: {
            200: Type.Object(
              {
                total: Type.Integer(),
                entities: Type.Array(CoretypeSchema),
                selfUri: Type.String(),
              },
              { title: 'CoretypeListing' },
            ),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const entities = listCoreTypes(principalOf(request), entity);
        return { total: entities.length, entities, selfUri: `${path}/coretypes` };
      },
    );

    r.get(
      `${path}/coretypes/:coreTypeName`,
      {
        schema: {
          tags,
          summary: 'One core type',
          params: CoretypeParams,
          response: { 200: CoretypeSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => getCoreType(principalOf(request), entity, request.params.coreTypeName),
    );

    r.get(
      `${path}/limits`,
      {
        schema: {
          tags,
          summary: 'Quantitative limits on schemas',
          response: { 200: LimitsSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        requireSchemaReader(principalOf(request));
        return toLimitsView(entity);
      },
    );

    r.get(
      `${path}/:schemaId`,
      {
        schema: {
          tags,
          summary: 'Get a schema (its current version)',
          params: SchemaParams,
          response: { 200: DataSchemaSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toDataSchemaView(
          await getSchema(db, principalOf(request), entity, request.params.schemaId),
        ),
    );

    r.put(
      `${path}/:schemaId`,
      {
        schema: {
          tags,
          summary:
            'Update a schema: the body names the current version and becomes the next one (409 on a stale version)',
          params: SchemaParams,
          body: DataSchemaBody,
          response: { 200: DataSchemaSchema, 409: Type.Ref('ErrorBody'), ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toDataSchemaView(
          await updateSchema(
            db,
            principalOf(request),
            entity,
            request.params.schemaId,
            request.body,
          ),
        ),
    );

    r.delete(
      `${path}/:schemaId`,
      {
        schema: {
          tags,
          summary:
            'Delete a schema no record uses (one in use answers 409: disable it with PUT enabled false)',
          params: SchemaParams,
        },
      },
      async (request, reply) => {
        await deleteSchema(db, principalOf(request), entity, request.params.schemaId);
        return reply.status(204).send();
      },
    );

    r.get(
      `${path}/:schemaId/versions`,
      {
        schema: {
          tags,
          summary: 'Every version of a schema, oldest first',
          params: SchemaParams,
          response: { 200: DataSchemaListing, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const { schemaId } = request.params;
        const versions = await listSchemaVersions(db, principalOf(request), entity, schemaId);
        return {
          total: versions.length,
          entities: versions.map((v) => toDataSchemaView(v, true)),
          selfUri: `${path}/${schemaId}/versions`,
        };
      },
    );

    r.get(
      `${path}/:schemaId/versions/:versionId`,
      {
        schema: {
          tags,
          summary: 'One version of a schema',
          params: VersionParams,
          response: { 200: DataSchemaSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toDataSchemaView(
          await getSchemaVersion(
            db,
            principalOf(request),
            entity,
            request.params.schemaId,
            request.params.versionId,
          ),
          true,
        ),
    );
  };
}

/** The custom-field schema endpoints of contacts and of external organizations (SPEC §7). */
export function schemaRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  return async (app) => {
    await app.register(schemaRoutesOf(deps.db, 'contact'));
    await app.register(schemaRoutesOf(deps.db, 'organization'));
  };
}
