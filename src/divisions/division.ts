/** A division: a partition of an organization's records, granted to principals through roles. */
export interface Division {
  id: string;
  orgId: string;
  name: string;
  description: string;
  homeDivision: boolean;
  createdAt: string;
  modifiedAt: string;
}

/** The Genesys `AuthzDivision` shape. */
export interface DivisionView {
  id: string;
  name: string;
  description: string;
  homeDivision: boolean;
  selfUri: string;
}

export const DIVISIONS_PATH = '/api/v2/authorization/divisions';

export function toDivisionView(division: Division): DivisionView {
  return {
    id: division.id,
    name: division.name,
    description: division.description,
    homeDivision: division.homeDivision,
    selfUri: `${DIVISIONS_PATH}/${division.id}`,
  };
}

export const HOME_DIVISION_NAME = 'Home';
