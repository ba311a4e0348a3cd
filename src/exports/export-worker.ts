import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { addSeconds, nowIso } from '../common/time.js';
import { ownerIsGone, processOwner, startPolling, type JobWorker } from '../common/job-worker.js';
import { claimExport, findRunningExports } from './export-job.repository.js';
import { EXPORT_LEASE_SECONDS, removeExpiredExportFiles, runExportJob } from './export-engine.js';

/** How often a worker looks for export files past their retention. */
const CLEANUP_INTERVAL_MS = 3_600_000;

/**
 * Writes exports in the background: every `pollSeconds` (and when kicked) it claims a running
 * export nobody holds — or whose holder died or let its lease run out — and writes its file.
 * An export is written from the start each time, so a claim needs no checkpoint. Once an hour
 * (and when it starts) it removes the files older than `retentionDays`.
 */
export function startExportWorker(
  db: Kysely<DB>,
  options: {
    dataDir: string;
    retentionDays: number;
    pollSeconds?: number;
    onError: (error: unknown) => void;
  },
): JobWorker {
  const owner = processOwner();
  let cleaned = 0;
  return startPolling({
    ...options,
    async takeOne(shouldStop) {
      if (Date.now() - cleaned >= CLEANUP_INTERVAL_MS) {
        cleaned = Date.now();
        const before = new Date(Date.now() - options.retentionDays * 86_400_000);
        await removeExpiredExportFiles(options.dataDir, before);
      }
      const now = nowIso();
      const until = addSeconds(now, EXPORT_LEASE_SECONDS);
      for (const job of await findRunningExports(db)) {
        if (shouldStop()) return false;
        const free = job.leaseUntil === null || job.leaseUntil < now;
        const dead = !free && job.leaseOwner !== null && ownerIsGone(job.leaseOwner);
        if (!free && !dead) continue;
        const claimed = await claimExport(
          db,
          job,
          owner,
          until,
          now,
          dead ? (job.leaseOwner ?? undefined) : undefined,
        );
        if (!claimed) continue;
        await runExportJob(
          db,
          { ...job, leaseOwner: owner, leaseUntil: until },
          { dataDir: options.dataDir, owner, shouldStop },
        );
        return true;
      }
      return false;
    },
  });
}
