import net from 'node:net';
import { makeRequests } from './resolve-requests.js';

/*
 * The load generator of `npm run bench -- resolve`, run as its own process so that it does not
 * share the server's event loop: `connections` keep-alive connections, each sending the next
 * interaction as soon as the last one is answered, for `seconds`. Prints one JSON line.
 * Arguments (JSON in argv[2]): url, token, seconds, connections, seed, rows, run.
 *
 * It speaks HTTP/1.1 on raw sockets, as wrk does, rather than through node:http: the generator
 * shares the server's two cores, and node:http's client cost about as much CPU per request as
 * the server's own HTTP handling, which the benchmark would then charge to Kith. A response is
 * read by its status line and Content-Length, which is all Kith's JSON answers use.
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
const head =
  `POST ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\n` +
  `authorization: Bearer ${args.token}\r\ncontent-type: application/json\r\n`;
const latencies = new Float64Array(4_000_000);
let done = 0;
let next = 0;
const statuses: Record<string, number> = {};
const outcomes: Record<string, number> = {};

const HEADERS_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

/** One keep-alive connection: `send` writes a request and resolves with its response. */
class Connection {
  private readonly socket: net.Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting?: {
    resolve: (r: { status: number; body: Buffer }) => void;
    reject: (e: Error) => void;
  };

  constructor() {
    this.socket = net.connect(Number(target.port), target.hostname);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.received(chunk));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  send(body: string): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }

  private received(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const end = this.buffered.indexOf(HEADERS_END);
    if (end < 0) return;
    const headers = this.buffered.toString('latin1', 0, end);
    const length = CONTENT_LENGTH.exec(headers)?.[1];
    if (length === undefined) {
      this.fail(new Error(`a response without Content-Length: ${headers}`));
      return;
    }
    const total = end + HEADERS_END.length + Number(length);
    if (this.buffered.length < total) return;
    const response = {
      status: Number(headers.slice(9, 12)),
      body: this.buffered.subarray(end + HEADERS_END.length, total),
    };
    this.buffered = this.buffered.subarray(total);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve(response);
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}

async function loop(deadline: number): Promise<void> {
  const connection = new Connection();
  try {
    while (performance.now() < deadline) {
      const request = requests[next % requests.length];
      next += 1;
      if (request === undefined) return;
      const started = performance.now();
      const { status, body } = await connection.send(request.body);
      latencies[done] = performance.now() - started;
      done += 1;
      statuses[status] = (statuses[status] ?? 0) + 1;
      // Every 20th answer is read for its outcome: parsing all would slow the generator.
      if (done % 20 === 0 && status === 200) {
        const outcome = (JSON.parse(body.toString('utf8')) as { outcome: string }).outcome;
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
    }
  } finally {
    connection.close();
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
