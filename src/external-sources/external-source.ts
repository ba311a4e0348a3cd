/** A named system that issues external ids: a CRM, an open-messaging integration. */
export interface ExternalSource {
  id: string;
  orgId: string;
  name: string;
  active: boolean;
  uriTemplate: string | null;
  createdAt: string;
  modifiedAt: string;
}

export const EXTERNAL_SOURCES_PATH = '/api/v2/externalcontacts/externalsources';

/** The Genesys `ExternalSource` shape. */
export interface ExternalSourceView {
  id: string;
  name: string;
  active: boolean;
  linkConfiguration?: { uriTemplate: string };
  selfUri: string;
}

export function externalSourceRef(id: string): { id: string; selfUri: string } {
  return { id, selfUri: `${EXTERNAL_SOURCES_PATH}/${id}` };
}

export function toExternalSourceView(source: ExternalSource): ExternalSourceView {
  const view: ExternalSourceView = {
    id: source.id,
    name: source.name,
    active: source.active,
    selfUri: `${EXTERNAL_SOURCES_PATH}/${source.id}`,
  };
  if (source.uriTemplate !== null) view.linkConfiguration = { uriTemplate: source.uriTemplate };
  return view;
}
