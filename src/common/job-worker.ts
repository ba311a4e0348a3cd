import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/*
 * What every background job of Kith shares (imports, exports): a lease owner name per process,
 * a check whether the owner of a lease has died, and the polling loop that takes one job after
 * another. Any number of processes may poll one database; taking a job is one conditional
 * update of its lease, which the caller's `takeOne` makes.
 */

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

export interface JobWorker {
  /** Looks for work now rather than at the next poll (a job was just created or continued). */
  kick(): void;
  stop(): Promise<void>;
}

/**
 * Calls `takeOne` every `pollSeconds` (and when kicked) until it answers false: it claims one job
 * and runs it to its end, or answers false when there is none. One run at a time per worker.
 */
export function startPolling(options: {
  takeOne: (shouldStop: () => boolean) => Promise<boolean>;
  pollSeconds?: number;
  onError: (error: unknown) => void;
}): JobWorker {
  let stopping = false;
  let busy: Promise<void> | null = null;
  let again = false;
  const shouldStop = () => stopping;

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
          while (!stopping && (await options.takeOne(shouldStop))) {
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
