#!/usr/bin/env node
// Writes the awkward-keys-and-values corpus the codec tests run against
// (Tests/MaestroStorageTests/JSONAwkwardCorpusTests.swift):
//
//   in/NN-name.json       the input text, as a file a server could hold
//   compact/NN-name.json  JSON.stringify(JSON.parse(input))
//   pretty/NN-name.json   JSON.stringify(JSON.parse(input), null, 2)
//
// The outputs are what Node itself prints, so the corpus pins the codec to
// Node's behaviour: lone surrogates in keys and values, keys that differ
// only in lone surrogates or in Unicode normalisation, duplicate keys,
// array-index keys (ordered first), escapes, numbers and deep nesting.
//
// Run with Node 20 (`node Fixtures/json/node-awkward/generate.js`) and
// commit the result; the tests never run Node. Re-running it rewrites the
// three folders from the cases below.
"use strict";
const fs = require("fs");
const path = require("path");

const here = __dirname;

// Each case is JSON text. `\\u` escapes stay escapes in the file, so lone
// surrogates (which UTF-8 cannot hold) are written the way servers write
// them.
const cases = {
  "lone-high-surrogate-key": String.raw`{"\ud800":1}`,
  "lone-low-surrogate-key": String.raw`{"\udc00":1}`,
  "keys-differing-only-in-lone-surrogates": String.raw`{"a\ud800":1,"a\udbff":2,"a\udc00":3,"a\udfff":4,"a":5}`,
  "lone-surrogate-key-beside-replacement-char": String.raw`{"\ud800":1,"\ufffd":2,"�":3}`,
  "reversed-and-doubled-surrogates-in-keys": String.raw`{"\udc00\ud800":1,"\ud800\ud800":2,"\udc00\udc00":3}`,
  "escaped-pair-and-raw-pair-are-one-key": String.raw`{"\ud83d\ude00":1,"😀":2,"x":3}`,
  "lone-surrogate-next-to-a-pair": String.raw`{"\ud83d\ud83d\ude00":1,"\ud83d\ude00\ude00":2}`,
  "lone-surrogates-in-nested-keys-and-values": String.raw`{"env":{"\ud800":"\udfff","k":"\ud800\udc00","\udbff x":"a\udc00b"},"metadata":{"\udfff":{"\ud800":["\ud800"]}},"events":[{"data":{"\udc01":null}}]}`,
  "duplicate-keys-keep-first-position-last-value": String.raw`{"a":1,"b":2,"a":3,"c":4,"b":5}`,
  "duplicate-lone-surrogate-keys": String.raw`{"\ud800":1,"x":2,"\ud800":3,"\udc00":4}`,
  "array-index-keys-first": String.raw`{"b":1,"2":2,"10":3,"1":4,"0":5,"a":6,"4294967294":7,"4294967295":8,"-0":9,"01":10,"1e3":11,"1.5":12," 1":13,"":14,"-1":15,"00":16,"9007199254740993":17,"42 ":18}`,
  "duplicate-array-index-keys": String.raw`{"5":1,"a":2,"5":3,"3":4,"a":5,"0":6}`,
  "escaped-array-index-keys": String.raw`{"\u0031":1,"b":2,"0":3,"\u0030\u0030":4}`,
  "many-array-index-keys": "{" + Array.from({ length: 60 }, (_, k) => `"${(k * 7919) % 1000}":${k}`).join(",") + `,"z":0,"y":1}`,
  "canonically-equivalent-keys-stay-apart": String.raw`{"\u00e9":1,"e\u0301":2,"é":3,"é":4,"\u212b":5,"\u00c5":6,"A\u030a":7}`,
  "raw-nfc-and-nfd-keys": '{"' + "e\u0301" + '":1,"' + "\u00e9" + '":2,"' + "e\u0301" + '":3,"n\u0303":4,"\u00f1":5}',
  "large-object-duplicates-past-32-keys":
    "{" +
    Array.from({ length: 40 }, (_, k) => `"k${k}":${k}`).join(",") +
    String.raw`,"k3":"again","\u00e9":1,"e\u0301":2,"\ud800":3,"\udc00":4,"\ud800":5,"é":6,"k39":"last"}`,
  "private-use-plane-16-keys": String.raw`{"\udbfd\udfff":1,"\udbfe\udc00":2,"\udbff\udfff":3,"\ud800":4,"\udbfe\udc00\ud800":5,"􏟿":6,"󰀀":7}`,
  "private-use-plane-16-values": String.raw`["\udbfd\udfff","\udbfe\udc00","\udbff\udfff","\ud800","􏿿"]`,
  "noncharacters-in-keys-and-values": String.raw`{"\uffff":"\ufffe","\ufdd0":"\uffff","\ud83f\udffe":1}`,
  "empty-key-and-empties": String.raw`{"":"","a":{},"b":[],"c":[[],{}],"d":{"":{"":[]}}}`,
  "escapes-in-keys-and-values": String.raw`{"q\"k":"\"","back\\slash":"\\","\/":"\/","ctl\u0000\u001f\u007f":"\b\f\n\r\t\u0001\u000b\u001f","\t\n":"\u0008\u000c"}`,
  "line-and-paragraph-separators": String.raw`{"\u2028":"\u2029"," ":" ","x\u2028y":["\u2028\u2029"]}`,
  "proto-and-builtin-names": String.raw`{"__proto__":{"polluted":true},"constructor":1,"toString":2,"hasOwnProperty":3,"length":4}`,
  "numbers-javascript-prints": String.raw`[1e21,1e-7,-0,0.1,5e-324,1.7976931348623157e308,1e400,-1e400,123456789012345678901234567890,9007199254740993,0.000001,1E+2,1e-6,2.5e-7,-0.0,0e10,1e-400,100,1.0,123.456e-2,4294967295,4294967296,-4294967297,0.30000000000000004]`,
  "numbers-as-values-of-odd-keys": String.raw`{"-0":-0,"1e3":1e3,"01":1,"1":1.5e300,"4294967295":4294967295}`,
  "unicode-raw-and-escaped": String.raw`{"é":"\u00e9","\u4e2d":"中","🎉":"\ud83c\udf89","mix":"a\u0000b é\ud800"}`,
  "deep-nesting": "[".repeat(100) + '{"k":' + "[".repeat(50) + '"\\ud800"' + "]".repeat(50) + "}" + "]".repeat(100),
  "deep-object-nesting": '{"a":'.repeat(120) + '{"\\udc00":[]}' + "}".repeat(120),
  "top-level-lone-surrogate-string": String.raw`"\ud800"`,
  "top-level-number": "-0",
  "whitespace-around-everything": ' \n\t{ "b" : [ 1 , { "\\ud800" : null } ] ,\r\n "a" : true , "1" : false }\n ',
  "session-with-awkward-env": String.raw`{"id":"sess_1700000000000_abcdefghi","projectId":"proj_1700000000000_abcdefghi","taskIds":[],"name":"s","status":"running","env":{"\ud800":"lone high","\udc00":"lone low","PATH":"/bin","2":"two","1":"one"},"events":[{"id":"evt_1","timestamp":1,"type":"x","data":{"\udbff":1,"\udbff\udfff":2}}],"startedAt":1,"lastActivity":2,"completedAt":null,"hostname":"h","platform":"linux"}`,
};

for (const dir of ["in", "compact", "pretty"]) {
  fs.rmSync(path.join(here, dir), { recursive: true, force: true });
  fs.mkdirSync(path.join(here, dir));
}
let n = 0;
for (const [name, text] of Object.entries(cases)) {
  const file = `${String(n).padStart(2, "0")}-${name}.json`;
  const value = JSON.parse(text);
  fs.writeFileSync(path.join(here, "in", file), text);
  fs.writeFileSync(path.join(here, "compact", file), JSON.stringify(value));
  fs.writeFileSync(path.join(here, "pretty", file), JSON.stringify(value, null, 2));
  n += 1;
}
console.log(`wrote ${n} cases (node ${process.version})`);
