import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { addSeconds, nowIso } from '../common/time.js';
import { ownerIsGone, processOwner, startPolling, type JobWorker } from '../common/job-worker.js';
import { claimJob, findLeasedJobs, findRunnableJobs } from './import-job.repository.js';
import { LEASE_SECONDS, runImportJob } from './import-engine.js';

/**
 * Runs import jobs in the background: every `pollSeconds` (and when kicked) it claims a running
 * job nobody holds — or whose holder died or let its lease run out — and runs it to its end.
 */
export function startImportWorker(
  db: Kysely<DB>,
  options: {
    dataDir: string;
    threadMinBytes: number;
    pollSeconds?: number;
    onError: (error: unknown) => void;
  },
): JobWorker {
  const owner = processOwner();
  return startPolling({
    ...options,
    async takeOne(shouldStop) {
      const now = nowIso();
      const until = addSeconds(now, LEASE_SECONDS);
      const run = (job: Parameters<typeof runImportJob>[1]) =>
        runImportJob(
          db,
          { ...job, leaseOwner: owner, leaseUntil: until },
          {
            dataDir: options.dataDir,
            owner,
            shouldStop,
            threadMinBytes: options.threadMinBytes,
          },
        );
      for (const job of await findRunnableJobs(db, now)) {
        if (shouldStop()) return false;
        if (await claimJob(db, job, owner, until, now)) {
          await run(job);
          return true;
        }
      }
      for (const job of await findLeasedJobs(db, now)) {
        if (shouldStop() || job.leaseOwner === null || !ownerIsGone(job.leaseOwner)) continue;
        if (await claimJob(db, job, owner, until, now, job.leaseOwner)) {
          await run(job);
          return true;
        }
      }
      return false;
    },
  });
}
