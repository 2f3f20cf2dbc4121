#!/usr/bin/env node
// Node's side of `maestro-bench codec`: the same files, the same measurement.
// Reads every .json under DIR into strings first (not timed), then reports
// the best of N runs of JSON.parse over all of them and of JSON.stringify
// over all of them, each file in the style it was written in (two-space when
// a newline follows the opening bracket, else compact). Single-threaded.
// MB = 1e6 bytes (UTF-8) of input for parse, of output for stringify.
//
//   node scripts/node-codec-bench.js DIR [--repeat N]
'use strict';
const fs = require('fs');
const path = require('path');

function usage(msg) {
  process.stderr.write(`node-codec-bench: ${msg}\nusage: node scripts/node-codec-bench.js DIR [--repeat N]\n`);
  process.exit(2);
}

let dir = null;
let repeat = 5;
const args = process.argv.slice(2);
for (let k = 0; k < args.length; k++) {
  if (args[k] === '--repeat') {
    repeat = Number(args[++k]);
    if (!Number.isInteger(repeat) || repeat < 1) usage('--repeat needs a positive integer');
  } else if (args[k].startsWith('-')) usage(`unknown option ${args[k]}`);
  else if (dir === null) dir = args[k];
  else usage('only one directory may be given');
}
if (dir === null) usage('missing DIR');

function collect(root, out) {
  for (const e of fs.readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, e.name);
    if (e.isDirectory()) collect(p, out);
    else if (e.isFile() && e.name.endsWith('.json')) out.push(p);
  }
  return out;
}

const files = collect(dir, []);
const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
const pretty = texts.map((t) => /^\s*[[{]\n/.test(t));
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);

const now = () => Number(process.hrtime.bigint()) / 1e9;

let values = null;
let bestParse = Infinity;
for (let r = 0; r < repeat; r++) {
  values = null;
  const parsed = new Array(texts.length);
  const t0 = now();
  for (let k = 0; k < texts.length; k++) parsed[k] = JSON.parse(texts[k]);
  bestParse = Math.min(bestParse, now() - t0);
  values = parsed;
}

let outputs = null;
let bestEmit = Infinity;
for (let r = 0; r < repeat; r++) {
  outputs = null;
  const emitted = new Array(values.length);
  const t0 = now();
  for (let k = 0; k < values.length; k++) {
    emitted[k] = pretty[k] ? JSON.stringify(values[k], null, 2) : JSON.stringify(values[k]);
  }
  bestEmit = Math.min(bestEmit, now() - t0);
  outputs = emitted;
}

let mismatches = 0;
let emittedBytes = 0;
for (let k = 0; k < texts.length; k++) {
  emittedBytes += Buffer.byteLength(outputs[k], 'utf8');
  if (outputs[k] !== texts[k]) {
    mismatches++;
    if (mismatches <= 5) console.log(`mismatch: ${files[k]}`);
  }
}

const parseMBps = bytes / 1e6 / bestParse;
const emitMBps = emittedBytes / 1e6 / bestEmit;
console.log(`node codec: ${files.length} files, ${(bytes / 1e6).toFixed(2)} MB, best of ${repeat}, single-threaded (node ${process.version})`);
console.log(`  parse  ${(bestParse * 1000).toFixed(1)} ms  ${parseMBps.toFixed(1)} MB/s`);
console.log(`  emit   ${(bestEmit * 1000).toFixed(1)} ms  ${emitMBps.toFixed(1)} MB/s`);
console.log(`  mismatches ${mismatches}`);
console.log(JSON.stringify({ files: files.length, bytes, parseMBps: +parseMBps.toFixed(1), emitMBps: +emitMBps.toFixed(1), mismatches }));
