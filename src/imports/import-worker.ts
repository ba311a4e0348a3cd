import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { addSeconds, nowIso } from '../common/time.js';
import { claimJob, findLeasedJobs, findRunnableJobs } from './import-job.repository.js';
import { LEASE_SECONDS, runImportJob } from './import-engine.js';

/** The lease owner name of this process: host, process id and a random part. */
export function processOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Whether the owner of a lease is a process of this host that has died: its job can be taken at
 * once instead of after the lease runs out (a `kill -9` and a restart resume straight away).
 */
export function ownerIsGone(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || pid === undefined || !/^\d+$/.test(pid)) return false;
  if (Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface ImportWorker {
  /** Looks for work now rather than at the next poll (a job was just created or continued). */
  kick(): void;
  stop(): Promise<void>;
}

/**
 * Runs import jobs in the background: every `pollSeconds` (and when kicked) it claims a running
 * job nobody holds — or whose holder died or let its lease run out — and runs it to its end.
 * Any number of processes may run a worker over one database; a claim is one conditional update.
 */
export function startImportWorker(
  db: Kysely<DB>,
  options: { dataDir: string; pollSeconds?: number; onError: (error: unknown) => void },
): ImportWorker {
  const owner = processOwner();
  let stopping = false;
  let busy: Promise<void> | null = null;
  let again = false;

  async function takeOne(): Promise<boolean> {
    const now = nowIso();
    const until = addSeconds(now, LEASE_SECONDS);
    for (const job of await findRunnableJobs(db, now)) {
      if (stopping) return false;
      if (await claimJob(db, job, owner, until, now)) {
        await runImportJob(
          db,
          { ...job, leaseOwner: owner, leaseUntil: until },
          { dataDir: options.dataDir, owner, shouldStop: () => stopping },
        );
        return true;
      }
    }
    for (const job of await findLeasedJobs(db, now)) {
      if (stopping || job.leaseOwner === null || !ownerIsGone(job.leaseOwner)) continue;
      if (await claimJob(db, job, owner, until, now, job.leaseOwner)) {
        await runImportJob(
          db,
          { ...job, leaseOwner: owner, leaseUntil: until },
          { dataDir: options.dataDir, owner, shouldStop: () => stopping },
        );
        return true;
      }
    }
    return false;
  }

  function work(): void {
    if (stopping) return;
    if (busy !== null) {
      again = true;
      return;
    }
    busy = (async () => {
      try {
        do {
          again = false;
          while (!stopping && (await takeOne())) {
            // One job after another until none is left.
          }
        } while (again && !stopping);
      } catch (error) {
        options.onError(error);
      } finally {
        busy = null;
      }
    })();
  }

  const timer = setInterval(work, (options.pollSeconds ?? 2) * 1000);
  timer.unref();
  setImmediate(work);
  return {
    kick: work,
    async stop() {
      stopping = true;
      clearInterval(timer);
      await busy;
    },
  };
}
