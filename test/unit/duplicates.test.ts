import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clusterScore,
  clustersByReason,
  DuplicateGraph,
  editSimilarity,
  jaroWinkler,
  MAX_CLUSTER_SIZE,
  nameSimilarity,
  NEAR_NAME_THRESHOLD,
  similarNameGroups,
  UnionFind,
  type CandidateContact,
} from '../../src/duplicates/duplicates.js';

const contact = (id: string, nameKey: string | null = null, divisionId: string | null = null) =>
  ({ id, nameKey, divisionId }) satisfies CandidateContact;

describe('UnionFind', () => {
  it('joins sets transitively and counts their sizes', () => {
    const uf = new UnionFind();
    for (let k = 0; k < 5; k += 1) uf.add();
    uf.union(0, 1);
    uf.union(3, 4);
    uf.union(1, 4);
    expect(uf.find(0)).toBe(uf.find(3));
    expect(uf.sizeOf(4)).toBe(4);
    expect(uf.find(2)).not.toBe(uf.find(0));
    expect(uf.sizeOf(2)).toBe(1);
  });

  it('puts two elements in one set exactly when a chain of unions links them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 19 }), fc.nat({ max: 19 })), { maxLength: 30 }),
        (pairs) => {
          const uf = new UnionFind();
          for (let k = 0; k < 20; k += 1) uf.add();
          for (const [a, b] of pairs) uf.union(a, b);
          // A naive closure over the same pairs.
          const label = Array.from({ length: 20 }, (_, k) => k);
          for (let changed = true; changed;) {
            changed = false;
            for (const [a, b] of pairs) {
              const low = Math.min(label[a] as number, label[b] as number);
              if (label[a] !== low || label[b] !== low) {
                label[a] = low;
                label[b] = low;
                changed = true;
              }
            }
          }
          for (let a = 0; a < 20; a += 1)
            for (let b = 0; b < 20; b += 1)
              expect(uf.find(a) === uf.find(b)).toBe(label[a] === label[b]);
        },
      ),
    );
  });
});

describe('nameSimilarity', () => {
  it('finds one-letter variants and swapped words near-identical', () => {
    expect(nameSimilarity('katherine dupont', 'katharine dupont')).toBeGreaterThanOrEqual(
      NEAR_NAME_THRESHOLD,
    );
    expect(nameSimilarity('jon smith', 'john smith')).toBeGreaterThanOrEqual(NEAR_NAME_THRESHOLD);
    expect(nameSimilarity('smith john', 'john smith')).toBe(1);
    // An early typo in a long name, which Jaro-Winkler alone scores low.
    expect(nameSimilarity('christopher smith', 'cristopher smith')).toBeGreaterThanOrEqual(
      NEAR_NAME_THRESHOLD,
    );
  });

  it('counts one edit, or a swap of neighbours, as one', () => {
    expect(editSimilarity('martha', 'marhta')).toBeCloseTo(1 - 1 / 6, 10);
    expect(editSimilarity('abc', 'abc')).toBe(1);
    expect(editSimilarity('', 'abc')).toBe(0);
    expect(editSimilarity('kitten', 'sitting')).toBeCloseTo(1 - 3 / 7, 10);
  });

  it('keeps different people apart', () => {
    expect(nameSimilarity('ada lovelace', 'grace hopper')).toBeLessThan(NEAR_NAME_THRESHOLD);
    expect(nameSimilarity('john smith', 'maria garcia')).toBeLessThan(NEAR_NAME_THRESHOLD);
  });

  it('is 0 without a name, 1 for equal names, and symmetric', () => {
    expect(nameSimilarity(null, 'ada')).toBe(0);
    expect(nameSimilarity('ada', 'ada')).toBe(1);
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const s = jaroWinkler(a, b);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
        expect(jaroWinkler(b, a)).toBeCloseTo(s, 10);
      }),
    );
  });
});

describe('similarNameGroups', () => {
  it('groups near-identical names, transitively, and leaves the rest out', () => {
    const groups = similarNameGroups([
      'katherine dupont',
      'grace hopper',
      'katharine dupont',
      null,
      'katharine dupond',
      'ada lovelace',
    ]);
    expect(groups).toEqual([[0, 2, 4]]);
  });

  it('finds the pairs among thousands of names through blocking', () => {
    const names: string[] = [];
    for (let k = 0; k < 3000; k += 1) names.push(`person${k} family${k}`);
    names.push('marguerite yourcenar', 'marguerite yourcenaar');
    const groups = similarNameGroups(names);
    expect(groups).toContainEqual([3000, 3001]);
  });
});

describe('clusterScore', () => {
  const reason = (kind: 'SharedPhone' | 'SharedEmail' | 'SharedExternalId', similar: number) => ({
    kind,
    value: 'v',
    contactIds: ['a', 'b'],
    nameSimilarity: similar,
  });

  it('scores an external id above an email above a phone, and agreeing names higher', () => {
    const phone = clusterScore([reason('SharedPhone', 0)]);
    const email = clusterScore([reason('SharedEmail', 0)]);
    const externalId = clusterScore([reason('SharedExternalId', 0)]);
    expect(phone).toBeLessThan(email);
    expect(email).toBeLessThan(externalId);
    expect(clusterScore([reason('SharedPhone', 1)])).toBeGreaterThan(phone);
  });

  it('grows with more evidence and stays within 0 and 1', () => {
    const one = clusterScore([reason('SharedPhone', 0)]);
    const two = clusterScore([reason('SharedPhone', 0), reason('SharedEmail', 0)]);
    expect(two).toBeGreaterThan(one);
    expect(two).toBeLessThanOrEqual(1);
    expect(clusterScore([])).toBe(0);
  });
});

describe('DuplicateGraph', () => {
  it('makes connected components of shared values, one cluster per contact', () => {
    const graph = new DuplicateGraph();
    graph.addSharedValue('SharedPhone', '+13175550100', [contact('a'), contact('b')]);
    graph.addSharedValue('SharedEmail', 'x@example.com', [contact('b'), contact('c')]);
    graph.addSharedValue('SharedPhone', '+13175550199', [contact('d'), contact('e')]);
    const { clusters } = graph.clusters();
    expect(clusters.map((c) => c.contactIds)).toEqual(
      expect.arrayContaining([
        ['a', 'b', 'c'],
        ['d', 'e'],
      ]),
    );
    expect(clusters).toHaveLength(2);
    const abc = clusters.find((c) => c.contactIds.includes('a'));
    expect(abc?.reasons.map((r) => r.kind).sort()).toEqual(['SharedEmail', 'SharedPhone']);
    expect(clustersByReason(clusters)).toMatchObject({ SharedPhone: 2, SharedEmail: 1 });
  });

  it('never links contacts of different divisions', () => {
    const graph = new DuplicateGraph();
    graph.addSharedValue('SharedPhone', '+13175550100', [
      contact('a', null, 'd1'),
      contact('b', null, 'd2'),
      contact('c', null, 'd1'),
    ]);
    const { clusters } = graph.clusters();
    expect(clusters).toEqual([
      expect.objectContaining({ divisionId: 'd1', contactIds: ['a', 'c'] }),
    ]);
  });

  it('skips values too common to mean one person and components beyond the merge limit', () => {
    const graph = new DuplicateGraph();
    const many = Array.from({ length: MAX_CLUSTER_SIZE + 1 }, (_, k) => contact(`m${k}`));
    graph.addSharedValue('SharedPhone', '+18005550100', many);
    const chain = Array.from({ length: MAX_CLUSTER_SIZE + 2 }, (_, k) => contact(`c${k}`));
    for (let k = 0; k + 1 < chain.length; k += 1)
      graph.addSharedValue('SharedEmail', `e${k}@example.com`, [
        chain[k] as CandidateContact,
        chain[k + 1] as CandidateContact,
      ]);
    const { clusters, leftOut } = graph.clusters();
    expect(clusters).toEqual([]);
    expect(leftOut).toEqual({
      valuesTooCommon: 1,
      oversizedClusters: 1,
      contactsInOversizedClusters: MAX_CLUSTER_SIZE + 2,
    });
  });

  it('links near-identical names of one organization', () => {
    const graph = new DuplicateGraph();
    graph.addOrganization('org-1', [
      contact('a', 'katherine dupont'),
      contact('b', 'katharine dupont'),
      contact('c', 'grace hopper'),
    ]);
    const { clusters } = graph.clusters();
    expect(clusters).toEqual([
      expect.objectContaining({
        contactIds: ['a', 'b'],
        reasons: [expect.objectContaining({ kind: 'SimilarNameInOrganization', value: 'org-1' })],
      }),
    ]);
    expect(clusters[0]?.score).toBeGreaterThan(0.5);
  });

  it('lists clusters highest score first', () => {
    const graph = new DuplicateGraph();
    graph.addSharedValue('SharedPhone', '+13175550100', [contact('a'), contact('b')]);
    graph.addSharedValue('SharedExternalId', 'src/1', [contact('c'), contact('d')]);
    const scores = graph.clusters().clusters.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
  });
});
