/*
 * Row types: what the tables hold, snake_case, as both dialects return them (JSON as text,
 * timestamps as ISO-8601 text, booleans as 0/1). They stop at the repository boundary.
 */

export interface OrgTable {
  id: string;
  name: string;
  name_key: string;
  is_default: number;
  created_at: string;
}

export interface DivisionTable {
  org_id: string;
  id: string;
  name: string;
  name_key: string;
  description: string;
  home_division: number;
  created_at: string;
  modified_at: string;
}

export interface RoleTable {
  org_id: string;
  id: string;
  name: string;
  name_key: string;
  description: string;
  /** JSON array of permission strings. */
  permissions: string;
  /** The built-in role this one is (`admin`, `agent`), or null for a custom role. */
  built_in: string | null;
  created_at: string;
  modified_at: string;
}

export interface ClientTable {
  org_id: string;
  id: string;
  name: string;
  description: string;
  secret_hash: string;
  authorized_grant_type: string;
  access_token_validity_seconds: number | null;
  rate_limit_per_minute: number | null;
  state: string;
  created_by: string | null;
  created_at: string;
  modified_at: string;
}

export interface UserTable {
  org_id: string;
  id: string;
  name: string;
  email: string;
  username_key: string;
  password_hash: string | null;
  title: string | null;
  department: string | null;
  division_id: string;
  state: string;
  version: number;
  created_at: string;
  modified_at: string;
}

/** A role granted to a client or user on a division (`*` meaning every division). */
export interface GrantTable {
  org_id: string;
  subject_id: string;
  role_id: string;
  division_id: string;
}

export interface TokenTable {
  org_id: string;
  token_hash: string;
  subject_type: string;
  subject_id: string;
  created_at: string;
  expires_at: string;
}

export interface ContactTable {
  org_id: string;
  id: string;
  division_id: string | null;
  type: string;
  first_name: string | null;
  middle_name: string | null;
  last_name: string | null;
  title: string | null;
  /** Lower-cased, accent-folded names, for prefix search. */
  first_name_key: string | null;
  last_name_key: string | null;
  full_name_key: string | null;
  external_organization_id: string | null;
  /** JSON: the contact's API fields that have no column of their own. */
  data: string;
  version: number;
  created_at: string;
  modified_at: string;
  /**
   * Ephemeral and Identified contacts: the hour (rounded up) of their last meaningful
   * interaction, from which retention counts. Written by identity resolution only.
   */
  last_seen_at?: string | null;
  /** Set when the contact was merged away: the contact it went into (SPEC §6). */
  merged_to: string | null;
  /** The custom-field schema the contact is assigned (`schema.id` of its data), if any. */
  schema_id?: string | null;
}

/** A contact moved to another division: the old id answers with the new contact. */
export interface ContactMoveTable {
  org_id: string;
  old_id: string;
  new_id: string;
  moved_at: string;
}

/** One merge, keyed by the contact it made. */
export interface ContactMergeTable {
  org_id: string;
  contact_id: string;
  /** JSON: the ids of the merged contacts, in the order given. */
  input_ids: string;
  /** JSON: the claims each input held before the merge, by input id. */
  input_claims: string;
  /** JSON: the fields the merge gave the merged contact. */
  result_fields: string;
  principal_id: string | null;
  merged_at: string;
}

/** The outbox: one row per change, written in the change's transaction, delivered later. */
export interface EventTable {
  org_id: string;
  id: string;
  topic: string;
  kind: string;
  entity_type: string;
  entity_id: string;
  division_id: string | null;
  principal_id: string | null;
  payload: string;
  created_at: string;
  delivered_at: string | null;
}

/** Who changed what and when, kept for as long as the organization exists. */
export interface AuditTable {
  org_id: string;
  id: string;
  entity_type: string;
  entity_id: string;
  action: string;
  principal_type: string | null;
  principal_id: string | null;
  before: string | null;
  after: string | null;
  created_at: string;
}

/** A phone, email or social id where a contact can be found; `kind` says which. */
export interface ContactPointTable {
  org_id: string;
  kind: string;
  value: string;
  contact_id: string;
}

/** An identifier claimed by one contact (or organization) per division. */
export interface ClaimTable {
  org_id: string;
  entity_type: string;
  /** The division id, or `*` for unassigned. */
  division_key: string;
  type: string;
  /** The external source id, or '' for identifiers without one. */
  source_key: string;
  value: string;
  entity_id: string;
  created_at: string;
}

export interface ExternalSourceTable {
  org_id: string;
  id: string;
  name: string;
  name_key: string;
  active: number;
  uri_template: string | null;
  created_at: string;
  modified_at: string;
}

export interface OrganizationTable {
  org_id: string;
  id: string;
  division_id: string | null;
  name: string;
  name_key: string;
  company_type: string | null;
  industry: string | null;
  /** JSON: the organization's API fields that have no column of their own. */
  data: string;
  version: number;
  created_at: string;
  modified_at: string;
  /** The custom-field schema the organization is assigned (`schema.id` of its data), if any. */
  schema_id?: string | null;
}

export interface NoteTable {
  org_id: string;
  id: string;
  /** `contact` or `organization`. */
  entity_type: string;
  entity_id: string;
  division_id: string | null;
  note_text: string;
  created_by_type: string | null;
  created_by_id: string | null;
  created_at: string;
  modified_at: string;
}

export interface RelationshipTable {
  org_id: string;
  id: string;
  division_id: string | null;
  user_id: string;
  external_organization_id: string;
  relationship: string;
  created_at: string;
  modified_at: string;
}

export interface OrgSettingsTable {
  org_id: string;
  /** JSON array of blocked identifier values; null for the defaults. */
  identifier_blocklist: string | null;
  /** Days an Ephemeral or Identified contact lives after its last interaction; null: 60. */
  retention_days?: number | null;
  modified_at: string;
}

/** An interaction linked to a contact, with why (SPEC §5). */
export interface InteractionTable {
  org_id: string;
  id: string;
  contact_id: string;
  division_id: string | null;
  channel: string;
  direction: string;
  authenticated: number;
  occurred_at: string;
  conversation_id: string | null;
  communication_id: string | null;
  media_type: string | null;
  /** `linked`, `created`, `ambiguous` (resolution) or `associated` (by hand). */
  outcome: string;
  matched_type: string | null;
  matched_value: string | null;
  /** `claim` or `contactPoint`. */
  matched_via: string | null;
  /** JSON array of the candidate contact ids of an ambiguous result. */
  candidates: string | null;
  /** JSON array of the interaction's normalized identifiers. */
  identifiers: string;
  principal_id: string | null;
  created_at: string;
}

export interface ResolutionSettingsTable {
  org_id: string;
  channel: string;
  resolve_identities: number;
  division_id: string | null;
  external_source_id: string | null;
  create_contacts: number;
  modified_at: string;
}

export interface ResolutionReviewTable {
  org_id: string;
  id: string;
  interaction_id: string;
  contact_id: string;
  division_id: string | null;
  reason: string;
  matched_type: string;
  matched_value: string;
  matched_via: string;
  /** JSON array of candidate contact ids, first-created first. */
  candidates: string;
  /** `open`, `resolved` or `dismissed`. */
  status: string;
  /** JSON: how it was resolved. */
  resolution: string | null;
  resolved_by: string | null;
  created_at: string;
  resolved_at: string | null;
}

/** A duplicate-detection scan (Genesys `ClusterScan`). */
export interface ClusterScanTable {
  org_id: string;
  id: string;
  /** `running`, `completed` or `failed`. */
  status: string;
  /** 0 to 1. */
  progress: number;
  principal_type: string;
  principal_id: string;
  /** JSON: the read filter (divisions) of the principal who started the scan. */
  read_filter: string;
  /** JSON: the scan's statistics, once completed. */
  statistics: string | null;
  error: string | null;
  started_at: string;
  /** Written with every progress report: a running scan not updated for long was abandoned. */
  updated_at: string;
  completed_at: string | null;
}

/** A cluster of likely duplicates that a scan found, all in one division. */
export interface ClusterTable {
  org_id: string;
  scan_id: string;
  id: string;
  division_id: string | null;
  score: number;
  /** JSON array of the reasons (signal, value, contacts). */
  reasons: string;
  /** `Pending`, `Merged` or `Failed`. */
  merge_status: string;
  /** JSON `{code, message}` of the last failed merge. */
  merge_error: string | null;
  merged_contact_id: string | null;
  merged_at: string | null;
  created_at: string;
}

/** A contact of a cluster: at most one cluster per contact and scan. */
export interface ClusterMemberTable {
  org_id: string;
  scan_id: string;
  contact_id: string;
  cluster_id: string;
}

/** How an import matches and merges contacts (Genesys `ContactImportSettings`). */
export interface ImportSettingsTable {
  org_id: string;
  id: string;
  name: string;
  /** The name in lower case: names are unique per organization in any case. */
  name_key: string;
  /** JSON array of `ExternalId`, `Email`, `Phone`, in the order they are tried. */
  matching_criteria: string;
  /** 1: merge and update all matched contacts; 0: update the first matched contact only. */
  merge_contacts: number;
  external_source_id: string;
  /** JSON array of `{name, included}`. */
  import_fields: string;
  created_at: string;
  modified_at: string;
}

/** How the columns of a CSV file map to fields (Genesys `CsvSettings`). */
export interface ImportCsvSettingsTable {
  org_id: string;
  id: string;
  /** The import settings these CSV settings go with, if any. */
  external_settings_id: string | null;
  /** JSON array of `{sourceField, targetField}`. */
  mappings: string;
  created_at: string;
  modified_at: string;
}

/** A custom-field schema (SPEC §7), with what its current version says. */
export interface CustomFieldSchemaTable {
  org_id: string;
  id: string;
  /** `contact` or `organization`: the records it applies to. */
  entity_type: string;
  name: string;
  /** The name in lower case: names are unique per organization and entity type in any case. */
  name_key: string;
  /** 1: may be assigned; 0: disabled, kept for the records that already have it. */
  enabled: number;
  /** The current version. */
  version: number;
  created_by: string | null;
  created_at: string;
  modified_at: string;
}

/** One version of a custom-field schema, written once and never changed. */
export interface CustomFieldSchemaVersionTable {
  org_id: string;
  schema_id: string;
  version: number;
  name: string;
  enabled: number;
  /** JSON text of the JSON Schema document, as written (key order is field order). */
  json_schema: string;
  created_by: string | null;
  created_at: string;
}

/** A CSV file announced for import and sent to Kith's upload URL. */
export interface ImportUploadTable {
  org_id: string;
  id: string;
  /** The random token of the upload URL: whoever holds the URL may send the file once. */
  token: string;
  file_name: string | null;
  /** The size announced; the file sent may not exceed it. */
  file_size: number;
  /** Where the file is kept (absolute, or relative to the data directory). */
  path: string;
  /** `Pending` until the file arrives, then `Uploaded`. */
  status: string;
  principal_type: string;
  principal_id: string;
  created_at: string;
  uploaded_at: string | null;
}

/** One run of the CSV import engine over one file, with its checkpoint. */
export interface ImportJobTable {
  org_id: string;
  id: string;
  upload_id: string;
  /** The import settings (matching, merge, external source). */
  settings_id: string;
  csv_settings_id: string | null;
  /** JSON array of `{sourceField, targetField}`: the mapping the job was started with. */
  mappings: string;
  division_id: string | null;
  default_country: string;
  /** 1: stop after the dry run (`kith import --dry-run`). */
  dry_run_only: number;
  /** Created, Running, Completed, Failed, Cancelled (Genesys' states). */
  status: string;
  status_details: string | null;
  /** Validating, Validated, Importing. */
  execution_step: string | null;
  /** `dryRun` or `import`: the pass the checkpoint belongs to. */
  phase: string;
  /** JSON array: the file's header, read once. */
  header: string | null;
  separator: string | null;
  /** The byte offset and line the next batch starts at. */
  next_offset: number;
  next_line: number;
  dry_run_success: number;
  dry_run_failed: number;
  import_success: number;
  import_failed: number;
  created_count: number;
  updated_count: number;
  unchanged_count: number;
  /** The process running the job, and until when its claim holds without a heartbeat. */
  lease_owner: string | null;
  lease_until: string | null;
  principal_type: string;
  principal_id: string;
  created_at: string;
  modified_at: string;
  completed_at: string | null;
  /** The secret of the report download URLs; null for jobs made before 0014. */
  report_token: string | null;
}

/** A row an import could not take: the report. */
export interface ImportFailureTable {
  org_id: string;
  job_id: string;
  phase: string;
  line: number;
  reason: string;
  /** JSON array: the row's cells as read. */
  cells: string;
}

/** A digest of an imported row, so that a re-run of the same file changes nothing. */
export interface ImportFingerprintTable {
  org_id: string;
  fingerprint: string;
  contact_id: string | null;
  organization_id: string | null;
}

/** An export asked for: what it covers, its state, and the process writing its file. */
export interface ExportJobTable {
  org_id: string;
  id: string;
  /** contacts, organizations, notes or relationships. */
  kind: string;
  /** JSON array: the divisionIds the export was asked for (as given). */
  division_ids: string;
  /** JSON ReadFilter: the divisions the asker could read, fixed when the export was asked for. */
  read_filter: string;
  /** JSON: the Genesys queryConditions.filters, checked. */
  query_conditions: string | null;
  row_limit: number;
  /** RUNNING, SUCCEEDED or FAILED. */
  status: string;
  status_details: string | null;
  result_row_count: number | null;
  token: string;
  lease_owner: string | null;
  lease_until: string | null;
  principal_type: string;
  principal_id: string;
  created_at: string;
  completed_at: string | null;
}

export interface DB {
  orgs: OrgTable;
  divisions: DivisionTable;
  roles: RoleTable;
  clients: ClientTable;
  users: UserTable;
  grants: GrantTable;
  tokens: TokenTable;
  contacts: ContactTable;
  events: EventTable;
  audit_log: AuditTable;
  contact_points: ContactPointTable;
  claims: ClaimTable;
  external_sources: ExternalSourceTable;
  organizations: OrganizationTable;
  notes: NoteTable;
  relationships: RelationshipTable;
  org_settings: OrgSettingsTable;
  interactions: InteractionTable;
  resolution_settings: ResolutionSettingsTable;
  resolution_reviews: ResolutionReviewTable;
  contact_merges: ContactMergeTable;
  contact_moves: ContactMoveTable;
  cluster_scans: ClusterScanTable;
  clusters: ClusterTable;
  cluster_members: ClusterMemberTable;
  custom_field_schemas: CustomFieldSchemaTable;
  custom_field_schema_versions: CustomFieldSchemaVersionTable;
  import_settings: ImportSettingsTable;
  import_csv_settings: ImportCsvSettingsTable;
  import_uploads: ImportUploadTable;
  import_jobs: ImportJobTable;
  import_failures: ImportFailureTable;
  import_fingerprints: ImportFingerprintTable;
  export_jobs: ExportJobTable;
}
