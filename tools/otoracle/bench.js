'use strict';
// Times one reference OT call for Weft's benchmarks. Reads one JSON request
// from stdin: {"type":"rich-text","fn":"apply","args":[...],"ms":1000}
// and prints {"nsPerOp":...,"iterations":...}. The args are parsed once and
// reused every iteration, as the Go benchmarks do (json0 apply mutates its
// snapshot in place there too).
const { performance } = require('perf_hooks');
const textUnicode = require('ot-text-unicode').type;
const richText = require('rich-text');
const json0 = require('ot-json0').type;
const types = { 'text-unicode': textUnicode, 'rich-text': richText.type, json0 };

let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const req = JSON.parse(input);
  const type = types[req.type];
  const fn = type[req.fn].bind(type);
  const args = req.args;
  const budget = req.ms || 1000;
  // Warm up so the JIT has compiled the hot paths.
  let warm = performance.now();
  while (performance.now() - warm < budget / 4) fn(...args);
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(...args);
    const el = performance.now() - t0;
    if (el >= budget || n >= 1 << 30) {
      process.stdout.write(JSON.stringify({ nsPerOp: (el * 1e6) / n, iterations: n }) + '\n');
      return;
    }
    n = el < 1 ? n * 10 : Math.ceil((n * budget) / el * 1.1);
  }
});
