import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { addSeconds, nowIso } from '../common/time.js';
import { ownerIsGone, processOwner, startPolling, type JobWorker } from '../common/job-worker.js';
import { claimExport, findRunningExports } from './export-job.repository.js';
import { EXPORT_LEASE_SECONDS, runExportJob } from './export-engine.js';

/**
 * Writes exports in the background: every `pollSeconds` (and when kicked) it claims a running
 * export nobody holds — or whose holder died or let its lease run out — and writes its file.
 * An export is written from the start each time, so a claim needs no checkpoint.
 */
export function startExportWorker(
  db: Kysely<DB>,
  options: { dataDir: string; pollSeconds?: number; onError: (error: unknown) => void },
): JobWorker {
  const owner = processOwner();
  return startPolling({
    ...options,
    async takeOne(shouldStop) {
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
