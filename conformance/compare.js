'use strict';
// Judges one conformance run: every test in the dry-run list either passed,
// or is listed in exclusions.json. Writes the machine-readable result and
// exits non-zero when a test outside the exclusions failed or did not run,
// or when an exclusion names no test.
//
// Usage: node compare.js --mocha RUN.json --list DRYRUN.json
//          --exclusions exclusions.json --server NAME --wall-ms N --out OUT.json

const fs = require('fs');

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error('usage: compare.js --mocha F --list F --exclusions F --server N --wall-ms N --out F');
    }
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['mocha', 'list', 'exclusions', 'server', 'out']) {
    if (!out[k]) throw new Error('compare.js: missing --' + k);
  }
  return out;
}

function readJSON(path, what) {
  try {
    return JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error('compare.js: reading ' + what + ' ' + path + ': ' + err.message);
  }
}

// count maps each full title to how many tests carry it (a few titles repeat).
function count(tests) {
  const m = new Map();
  for (const t of tests) m.set(t.fullTitle, (m.get(t.fullTitle) || 0) + 1);
  return m;
}

// outcomes lists, per expected test instance, 'passed', 'failed' or 'not run'.
function outcomes(expected, run) {
  const passed = count(run.passes || []);
  const failedTests = (run.failures || []).filter((t) => !/^"(before|after) (each|all)" hook/.test(t.title));
  const failed = count(failedTests);
  const errors = new Map(failedTests.map((t) => [t.fullTitle, (t.err && t.err.message) || '']));
  const out = [];
  for (const [title, n] of expected) {
    // A test that failed after passing (done called twice, a late error)
    // counts as failed.
    const f = Math.min(n, failed.get(title) || 0);
    const p = Math.min(n - f, passed.get(title) || 0);
    for (let i = 0; i < n; i++) {
      const state = i < f ? 'failed' : i < f + p ? 'passed' : 'not run';
      out.push({title, state, error: state === 'failed' ? errors.get(title) : undefined});
    }
  }
  return out;
}

function judgeFiles(opts) {
  return judge(opts, readJSON(opts.list, 'test list'), readJSON(opts.mocha, 'mocha results'),
    readJSON(opts.exclusions, 'exclusions'));
}

// judge compares a mocha JSON run with the dry-run list and the exclusions.
function judge(opts, list, run, exclusions) {
  const expected = count(list.tests);
  const results = outcomes(expected, run);
  const excluded = results.filter((r) => r.title in exclusions);
  const included = results.filter((r) => !(r.title in exclusions));
  const hooks = (run.failures || []).filter((t) => /^"(before|after) (each|all)" hook/.test(t.title));
  return {
    server: opts.server,
    url: process.env.CONFORMANCE_URL || null,
    sharedb: '7.0.0',
    total: results.length,
    passed: included.filter((r) => r.state === 'passed').length,
    excluded: excluded.length,
    failed: included.filter((r) => r.state === 'failed').map((r) => ({title: r.title, error: r.error})),
    notRun: included.filter((r) => r.state === 'not run').map((r) => r.title),
    hookFailures: hooks.map((t) => ({title: t.fullTitle, error: (t.err && t.err.message) || ''})),
    excludedPassed: excluded.filter((r) => r.state === 'passed').map((r) => r.title),
    staleExclusions: Object.keys(exclusions).filter((t) => !expected.has(t)),
    mochaDurationMs: run.stats ? run.stats.duration : null,
    wallMs: opts['wall-ms'] ? Number(opts['wall-ms']) : null,
  };
}

function main() {
  const opts = args(process.argv.slice(2));
  const r = judgeFiles(opts);
  fs.writeFileSync(opts.out, JSON.stringify(r, null, 2) + '\n');
  for (const f of r.failed) console.log('FAIL ' + f.title + '\n     ' + f.error);
  for (const t of r.notRun) console.log('NOT RUN ' + t);
  // A failing hook matters through the tests it kept from running (notRun).
  const hookLabel = r.notRun.length ? 'HOOK FAILED ' : 'note: hook failed (only excluded tests under it) ';
  for (const h of r.hookFailures) console.log(hookLabel + h.title + '\n     ' + h.error);
  for (const t of r.staleExclusions) console.log('STALE EXCLUSION (no such test) ' + t);
  for (const t of r.excludedPassed) console.log('note: excluded test passed: ' + t);
  console.log(`conformance (${r.server}): ${r.total} tests, ${r.passed} passing, ${r.excluded} excluded ` +
    `(${r.excludedPassed.length} of them passed anyway), wall ${(r.wallMs / 1000).toFixed(1)} s; wrote ${opts.out}`);
  const bad = r.failed.length + r.notRun.length + r.staleExclusions.length;
  console.log(`conformance: ${r.passed} passed, ${r.failed.length + r.notRun.length} failed`);
  process.exit(bad ? 1 : 0);
}

if (require.main === module) main();
module.exports = {judge};
