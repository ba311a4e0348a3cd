import { MAX_MERGE_INPUTS } from '../merge/merge.js';

/*
 * Duplicate detection, the rules without I/O: the duplicate graph (union-find over contacts),
 * name similarity and cluster scoring. The repository feeds it candidate groups read from SQL
 * (contacts sharing a normalized contact point, contacts of one organization); it answers the
 * clusters.
 */

/** A cluster holds at most as many contacts as one merge takes. */
export const MAX_CLUSTER_SIZE = MAX_MERGE_INPUTS;

/** Two names at least this similar (0–1, see nameSimilarity) are "near-identical". */
export const NEAR_NAME_THRESHOLD = 0.92;

/** Why contacts were put together. */
export type ReasonKind =
  'SharedExternalId' | 'SharedEmail' | 'SharedPhone' | 'SimilarNameInOrganization';

export const REASON_KINDS: readonly ReasonKind[] = [
  'SharedExternalId',
  'SharedEmail',
  'SharedPhone',
  'SimilarNameInOrganization',
];

/** The contact-point kinds a scan reads, and the reason each gives. */
export const POINT_REASONS = {
  ExternalId: 'SharedExternalId',
  Email: 'SharedEmail',
  Phone: 'SharedPhone',
} as const satisfies Record<string, ReasonKind>;
export type PointKindScanned = keyof typeof POINT_REASONS;

/**
 * One reason of a cluster: the signal, the value it is about (the normalized phone, email or
 * external id `sourceId/value`; the organization id for names), the contacts it links, and
 * whether their names agree (similarity of the least similar pair, 0 when a name is missing).
 */
export interface Reason {
  readonly kind: ReasonKind;
  readonly value: string;
  readonly contactIds: readonly string[];
  readonly nameSimilarity: number;
}

/** A contact as the scan sees it. */
export interface CandidateContact {
  readonly id: string;
  readonly divisionId: string | null;
  /** The full-name key (lower-cased, accents removed), or null. */
  readonly nameKey: string | null;
}

/** A cluster of likely duplicates, all in one division. */
export interface FoundCluster {
  readonly divisionId: string | null;
  /** Sorted. */
  readonly contactIds: readonly string[];
  readonly reasons: readonly Reason[];
  /** 0–1, two decimals: see clusterScore. */
  readonly score: number;
}

/** Disjoint sets over 0..n-1, with union by size and path halving. */
export class UnionFind {
  private readonly parent: number[] = [];
  private readonly sizes: number[] = [];

  /** Adds a singleton set; returns its element. */
  add(): number {
    const element = this.parent.length;
    this.parent.push(element);
    this.sizes.push(1);
    return element;
  }

  get length(): number {
    return this.parent.length;
  }

  find(element: number): number {
    let x = element;
    for (;;) {
      const p = this.parent[x] as number;
      if (p === x) return x;
      const grand = this.parent[p] as number;
      this.parent[x] = grand;
      x = grand;
    }
  }

  /** Joins the sets of a and b; returns the root of the union. */
  union(a: number, b: number): number {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return ra;
    if ((this.sizes[ra] as number) < (this.sizes[rb] as number)) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.sizes[ra] = (this.sizes[ra] as number) + (this.sizes[rb] as number);
    return ra;
  }

  sizeOf(element: number): number {
    return this.sizes[this.find(element)] as number;
  }
}

/** Jaro-Winkler similarity of two strings, 0–1 (1: equal). */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aMatched = new Array<boolean>(a.length).fill(false);
  const bMatched = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i += 1) {
    const from = Math.max(0, i - window);
    const to = Math.min(b.length - 1, i + window);
    for (let j = from; j <= to; j += 1) {
      if (bMatched[j] === true || a[i] !== b[j]) continue;
      aMatched[i] = true;
      bMatched[j] = true;
      matches += 1;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let j = 0;
  for (let i = 0; i < a.length; i += 1) {
    if (aMatched[i] !== true) continue;
    while (bMatched[j] !== true) j += 1;
    if (a[i] !== b[j]) transpositions += 1;
    j += 1;
  }
  const m = matches;
  const jaro = (m / a.length + m / b.length + (m - transpositions / 2) / m) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < a.length && prefix < b.length && a[prefix] === b[prefix])
    prefix += 1;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/**
 * 1 − (edit distance / longer length), where an edit is an insertion, deletion, substitution or
 * swap of neighbours (optimal string alignment): a typo in a long name stays close, which
 * Jaro-Winkler misses when the typo is early ("cristopher" for "christopher").
 */
export function editSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const longer = Math.max(a.length, b.length);
  if (longer === 0) return 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (before[j - 2] as number) + 1);
      current.push(d);
    }
    before = previous;
    previous = current;
  }
  return 1 - (previous[b.length] as number) / longer;
}

function sortedTokens(key: string): string {
  return key.split(' ').sort().join(' ');
}

/**
 * How alike two name keys are, 0–1: the higher of Jaro-Winkler and editSimilarity, of the keys
 * or of their words in sorted order (so "smith john" is "john smith"); 0 when either is missing.
 */
export function nameSimilarity(a: string | null, b: string | null): number {
  if (a === null || b === null) return 0;
  if (a === b) return 1;
  const sa = sortedTokens(a);
  const sb = sortedTokens(b);
  if (sa === sb) return 1;
  return Math.max(jaroWinkler(a, b), jaroWinkler(sa, sb), editSimilarity(a, b));
}

/** The similarity of the least alike pair of names (0 when a name is missing). */
export function weakestNameSimilarity(names: readonly (string | null)[]): number {
  let weakest = 1;
  for (let i = 0; i < names.length; i += 1)
    for (let j = i + 1; j < names.length; j += 1) {
      weakest = Math.min(weakest, nameSimilarity(names[i] ?? null, names[j] ?? null));
      if (weakest === 0) return 0;
    }
  return weakest;
}

/** Pairwise comparisons allowed in one block before the block is compared by sorted window. */
const FULL_COMPARE_LIMIT = 200;
const WINDOW = 20;

/**
 * The groups of near-identical names among contacts (of one organization and division): pairs
 * at least NEAR_NAME_THRESHOLD alike, joined transitively. Small sets compare every pair; large
 * ones compare within blocks of a shared word prefix, and huge blocks by a window in sorted
 * order, so the work stays near-linear.
 * @returns groups of two or more indexes into `names`.
 */
export function similarNameGroups(names: readonly (string | null)[]): number[][] {
  const uf = new UnionFind();
  for (let k = 0; k < names.length; k += 1) uf.add();
  const compare = (i: number, j: number): void => {
    if (uf.find(i) === uf.find(j)) return;
    if (nameSimilarity(names[i] ?? null, names[j] ?? null) >= NEAR_NAME_THRESHOLD) uf.union(i, j);
  };
  const present = names.flatMap((n, k) => (n === null ? [] : [k]));
  const compareAll = (block: readonly number[]): void => {
    if (block.length <= FULL_COMPARE_LIMIT) {
      for (let x = 0; x < block.length; x += 1)
        for (let y = x + 1; y < block.length; y += 1)
          compare(block[x] as number, block[y] as number);
      return;
    }
    const sorted = [...block].sort((p, q) =>
      (names[p] as string) < (names[q] as string) ? -1 : 1,
    );
    for (let x = 0; x < sorted.length; x += 1)
      for (let y = x + 1; y < Math.min(sorted.length, x + WINDOW); y += 1)
        compare(sorted[x] as number, sorted[y] as number);
  };
  if (present.length <= FULL_COMPARE_LIMIT) compareAll(present);
  else {
    // Near-identical names share the start of their first or of their last word.
    const blocks = new Map<string, number[]>();
    for (const k of present) {
      const words = (names[k] as string).split(' ');
      const keys = new Set([`f:${words[0]?.slice(0, 2)}`, `l:${words.at(-1)?.slice(0, 2)}`]);
      for (const key of keys) {
        const block = blocks.get(key);
        if (block === undefined) blocks.set(key, [k]);
        else block.push(k);
      }
    }
    for (const block of blocks.values()) if (block.length > 1) compareAll(block);
  }
  const groups = new Map<number, number[]>();
  for (const k of present) {
    if (uf.sizeOf(k) < 2) continue;
    const root = uf.find(k);
    const group = groups.get(root);
    if (group === undefined) groups.set(root, [k]);
    else group.push(k);
  }
  return [...groups.values()];
}

/**
 * How much one reason says the contacts are one person, 0–1. An external id is issued per person;
 * an email mostly is; a phone is often shared by a household or a switchboard, so it counts for
 * much more when the names agree too. Near-identical names in one organization count by how alike
 * they are.
 */
export function reasonWeight(reason: Reason): number {
  const agree = reason.nameSimilarity >= NEAR_NAME_THRESHOLD;
  switch (reason.kind) {
    case 'SharedExternalId':
      return agree ? 0.99 : 0.95;
    case 'SharedEmail':
      return agree ? 0.95 : 0.8;
    case 'SharedPhone':
      return agree ? 0.9 : 0.5;
    case 'SimilarNameInOrganization':
      return 0.8 * reason.nameSimilarity;
  }
}

/**
 * A cluster's score, 0–1 with two decimals: the reasons taken as independent evidence
 * (1 − Π(1 − weight)), so that more and stronger reasons score higher.
 */
export function clusterScore(reasons: readonly Reason[]): number {
  let doubt = 1;
  for (const reason of reasons) doubt *= 1 - reasonWeight(reason);
  return Math.round((1 - doubt) * 100) / 100;
}

/** What the graph left out, for the statistics. */
export interface GraphLeftOut {
  /** Values held by more than MAX_CLUSTER_SIZE contacts of one division: too common to mean one person. */
  readonly valuesTooCommon: number;
  /** Connected components beyond MAX_CLUSTER_SIZE contacts, not reported as clusters. */
  readonly oversizedClusters: number;
  readonly contactsInOversizedClusters: number;
}

/**
 * The duplicate graph: contacts linked by reasons, within one division each (a merge needs one
 * division). Its clusters are the connected components, so a contact is in at most one.
 */
export class DuplicateGraph {
  private readonly index = new Map<string, number>();
  private readonly contacts: CandidateContact[] = [];
  private readonly uf = new UnionFind();
  private readonly reasons: { reason: Reason; element: number }[] = [];
  private tooCommon = 0;

  constructor(private readonly maxSize = MAX_CLUSTER_SIZE) {}

  private elementOf(contact: CandidateContact): number {
    const known = this.index.get(contact.id);
    if (known !== undefined) return known;
    const element = this.uf.add();
    this.index.set(contact.id, element);
    this.contacts.push(contact);
    return element;
  }

  /**
   * Links contacts that share a value (a contact point), division by division. A value held by
   * more than the cluster limit in one division is counted as too common and links nothing.
   */
  addSharedValue(kind: ReasonKind, value: string, holders: readonly CandidateContact[]): void {
    for (const members of byDivision(holders)) {
      if (members.length < 2) continue;
      if (members.length > this.maxSize) {
        this.tooCommon += 1;
        continue;
      }
      this.link(
        {
          kind,
          value,
          contactIds: members.map((m) => m.id),
          nameSimilarity: weakestNameSimilarity(members.map((m) => m.nameKey)),
        },
        members,
      );
    }
  }

  /** Links the contacts of one organization whose names are near-identical, division by division. */
  addOrganization(organizationId: string, contacts: readonly CandidateContact[]): void {
    for (const members of byDivision(contacts)) {
      if (members.length < 2) continue;
      for (const group of similarNameGroups(members.map((m) => m.nameKey))) {
        const linked = group.map((k) => members[k] as CandidateContact);
        if (linked.length > this.maxSize) {
          this.tooCommon += 1;
          continue;
        }
        this.link(
          {
            kind: 'SimilarNameInOrganization',
            value: organizationId,
            contactIds: linked.map((m) => m.id),
            nameSimilarity: weakestNameSimilarity(linked.map((m) => m.nameKey)),
          },
          linked,
        );
      }
    }
  }

  private link(reason: Reason, members: readonly CandidateContact[]): void {
    const first = this.elementOf(members[0] as CandidateContact);
    for (const member of members.slice(1)) this.uf.union(first, this.elementOf(member));
    this.reasons.push({ reason, element: first });
  }

  /** The clusters, highest score first, and what was left out. */
  clusters(): { clusters: FoundCluster[]; leftOut: GraphLeftOut } {
    const members = new Map<number, number[]>();
    for (let element = 0; element < this.uf.length; element += 1) {
      const root = this.uf.find(element);
      const list = members.get(root);
      if (list === undefined) members.set(root, [element]);
      else list.push(element);
    }
    const reasonsOf = new Map<number, Reason[]>();
    for (const { reason, element } of this.reasons) {
      const root = this.uf.find(element);
      const list = reasonsOf.get(root);
      if (list === undefined) reasonsOf.set(root, [reason]);
      else list.push(reason);
    }
    const clusters: FoundCluster[] = [];
    let oversizedClusters = 0;
    let contactsInOversizedClusters = 0;
    for (const [root, elements] of members) {
      if (elements.length < 2) continue;
      if (elements.length > this.maxSize) {
        oversizedClusters += 1;
        contactsInOversizedClusters += elements.length;
        continue;
      }
      const reasons = reasonsOf.get(root) ?? [];
      clusters.push({
        divisionId: (this.contacts[root] as CandidateContact).divisionId,
        contactIds: elements.map((e) => (this.contacts[e] as CandidateContact).id).sort(),
        reasons,
        score: clusterScore(reasons),
      });
    }
    clusters.sort(
      (a, b) =>
        b.score - a.score || ((a.contactIds[0] as string) < (b.contactIds[0] as string) ? -1 : 1),
    );
    return {
      clusters,
      leftOut: { valuesTooCommon: this.tooCommon, oversizedClusters, contactsInOversizedClusters },
    };
  }
}

function byDivision(contacts: readonly CandidateContact[]): CandidateContact[][] {
  const groups = new Map<string | null, CandidateContact[]>();
  for (const c of contacts) {
    const group = groups.get(c.divisionId);
    if (group === undefined) groups.set(c.divisionId, [c]);
    else group.push(c);
  }
  return [...groups.values()];
}

/** Per reason kind, how many clusters carry at least one reason of it. */
export function clustersByReason(clusters: readonly FoundCluster[]): Record<ReasonKind, number> {
  const counts = Object.fromEntries(REASON_KINDS.map((k) => [k, 0])) as Record<ReasonKind, number>;
  for (const cluster of clusters)
    for (const kind of new Set(cluster.reasons.map((r) => r.kind))) counts[kind] += 1;
  return counts;
}
