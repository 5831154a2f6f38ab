#!/usr/bin/env node
// Generates the static protobufjs codec for src/wire/hearsay.proto into src/wire/gen/ (gitignored):
//   hearsay.js   — pbjs static-module, ES module importing protobufjs/minimal.js
//   hearsay.d.ts — pbts declarations for it
// Runs before build and test (`npm run proto`); offline, using the pinned protobufjs-cli devDependency.
// Skips work when the outputs are newer than the .proto and this script, so repeated runs cost ~0 s.
import { mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const proto = join(root, 'src/wire/hearsay.proto');
const outDir = join(root, 'src/wire/gen');
const js = join(outDir, 'hearsay.js');
const dts = join(outDir, 'hearsay.d.ts');

function mtimeMs(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

const inputsMs = Math.max(mtimeMs(proto), mtimeMs(fileURLToPath(import.meta.url)));
if (!process.argv.includes('--force') && Math.min(mtimeMs(js), mtimeMs(dts)) > inputsMs) {
  process.exit(0);
}

const require = createRequire(import.meta.url);
const { pbjs, pbts } = require('protobufjs-cli');

/** Promisified pbjs/pbts `main`. */
function run(tool, args) {
  return new Promise((resolve, reject) => {
    tool.main(args, (err) => (err ? reject(err) : resolve()));
  });
}

mkdirSync(outDir, { recursive: true });
await run(pbjs, [
  '--target',
  'static-module',
  '--wrap',
  'es6',
  // uint64 (UserEvent.ltime) as a JS number: Lamport times stay far below 2^53, and the codec checks it.
  '--force-number',
  // The codec validates decoded messages itself and never uses these helpers; leaving them out keeps the
  // generated file small.
  '--no-verify',
  '--no-convert',
  '--no-delimited',
  '--no-typeurl',
  '--out',
  js,
  proto,
]);
await run(pbts, ['--no-comments', '--out', dts, js]);
console.log(`gen-proto: wrote ${js} and ${dts}`);
