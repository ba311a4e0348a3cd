// Runs after `npm install` / `npm ci` (package.json "postinstall"): small, checked fixes to
// dependencies, each applied only when the file is exactly the version it was written for.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/*
 * libphonenumber-js builds a new RegExp from a metadata pattern on every match
 * (helpers/matchesEntirely.js): compiling dominates parsing, about three quarters of the time
 * of reading an international number. The patterns come from the library's fixed metadata, so
 * caching the compiled expressions by pattern is bounded and safe (no `g` flag, no state).
 */
const ORIGINAL = "return new RegExp('^(?:' + regularExpressionText + ')$').test(text);";
const CACHED =
  'var matchers = matchesEntirely.kithMatchers || (matchesEntirely.kithMatchers = new Map());\n' +
  '  var matcher = matchers.get(regularExpressionText);\n' +
  '  if (matcher === undefined) {\n' +
  "    matcher = new RegExp('^(?:' + regularExpressionText + ')$');\n" +
  '    matchers.set(regularExpressionText, matcher);\n' +
  '  }\n' +
  '  return matcher.test(text);';

for (const dir of ['es6', 'build']) {
  const file = path.join(root, 'node_modules/libphonenumber-js', dir, 'helpers/matchesEntirely.js');
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'utf8');
  if (text.includes('kithMatchers')) continue;
  if (!text.includes(ORIGINAL)) {
    console.warn(`kith postinstall: ${file} has changed upstream; its RegExp cache is not applied`);
    continue;
  }
  writeFileSync(
    file,
    text.replace(ORIGINAL, () => CACHED),
  );
}
