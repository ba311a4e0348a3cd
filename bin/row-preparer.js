// A worker thread of an import (src/imports/row-preparer.ts): it prepares the rows of the next
// batch while the importing thread commits the last. Like bin/kith.js, it runs the TypeScript
// sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/imports/row-preparer.thread.ts');
