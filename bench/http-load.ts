import http from 'node:http';
import { makeRequests } from './resolve-requests.js';

/*
 * The load generator of `npm run bench -- resolve`, run as its own process so that it does not
 * share the server's event loop: `connections` keep-alive connections, each sending the next
 * interaction as soon as the last one is answered, for `seconds`. Prints one JSON line.
 * Arguments (JSON in argv[2]): url, token, seconds, connections, seed, rows, run.
 */

interface Args {
  url: string;
  token: string;
  seconds: number;
  connections: number;
  seed: number;
  rows: number;
  run: number;
  count: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const requests = makeRequests(args.seed, args.rows, args.count, args.run);
const target = new URL(`${args.url}/api/v2/externalcontacts/identityresolution/interactions`);
const agent = new http.Agent({ keepAlive: true, maxSockets: args.connections });
const latencies = new Float64Array(4_000_000);
let done = 0;
let next = 0;
const statuses: Record<string, number> = {};
const outcomes: Record<string, number> = {};

function send(body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      target,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${args.token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function loop(deadline: number): Promise<void> {
  while (performance.now() < deadline) {
    const request = requests[next % requests.length];
    next += 1;
    if (request === undefined) return;
    const started = performance.now();
    const { status, text } = await send(request.body);
    latencies[done] = performance.now() - started;
    done += 1;
    statuses[status] = (statuses[status] ?? 0) + 1;
    // Every 20th answer is read for its outcome: parsing all would slow the generator.
    if (done % 20 === 0 && status === 200) {
      const outcome = (JSON.parse(text) as { outcome: string }).outcome;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  }
}

const started = performance.now();
const deadline = started + args.seconds * 1000;
await Promise.all(Array.from({ length: args.connections }, () => loop(deadline)));
const elapsed = (performance.now() - started) / 1000;
const sorted = Array.from(latencies.subarray(0, done)).sort((a, b) => a - b);
const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
console.log(
  JSON.stringify({
    requests: done,
    seconds: elapsed,
    perSecond: done / elapsed,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[sorted.length - 1] ?? 0,
    statuses,
    sampledOutcomes: outcomes,
  }),
);
agent.destroy();
