#!/usr/bin/env node
// `npm run bench -- NAME`: runs the benchmarks' TypeScript through tsx, as bin/kith.js runs Kith.
import { register } from 'tsx/esm/api';

register();
await import('../bench/main.ts');
