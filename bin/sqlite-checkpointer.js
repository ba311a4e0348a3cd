// A worker thread of Kith's SQLite store (src/db/database.ts): with a connection of its own, it
// copies the write-ahead log into the database file once a second, so that checkpoints (copying
// pages, then an fsync) never stall the thread that answers requests. PASSIVE checkpoints wait
// for nobody and block nobody.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // A busy or closing database: the next round tries again.
  }
}, workerData.intervalMs);
parentPort?.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
