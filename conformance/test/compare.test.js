'use strict';
// Tests for compare.js, the judge of a conformance run. Run: node --test test/
const test = require('node:test');
const assert = require('node:assert');
const {judge} = require('../compare');

const opts = {server: 'x', 'wall-ms': '5'};
const t = (fullTitle, title) => ({fullTitle, title: title || fullTitle.split(' ').pop()});

test('counts passes outside the exclusions and excluded tests whatever they did', () => {
  const list = {tests: [t('a p1'), t('a p2'), t('a ex1'), t('a ex2')]};
  const run = {passes: [t('a p1'), t('a p2'), t('a ex2')], failures: [t('a ex1')]};
  const r = judge(opts, list, run, {'a ex1': 'why', 'a ex2': 'why'});
  assert.strictEqual(r.total, 4);
  assert.strictEqual(r.passed, 2);
  assert.strictEqual(r.excluded, 2);
  assert.deepStrictEqual(r.failed, []);
  assert.deepStrictEqual(r.excludedPassed, ['a ex2']);
});

test('a failure outside the exclusions is reported with its error', () => {
  const list = {tests: [t('a f')]};
  const run = {passes: [], failures: [{...t('a f'), err: {message: 'boom'}}]};
  const r = judge(opts, list, run, {});
  assert.deepStrictEqual(r.failed, [{title: 'a f', error: 'boom'}]);
  assert.strictEqual(r.passed, 0);
});

test('a test that passed and then failed counts as failed', () => {
  const list = {tests: [t('a twice')]};
  const run = {passes: [t('a twice')], failures: [{...t('a twice'), err: {message: 'done() called multiple times'}}]};
  const r = judge(opts, list, run, {});
  assert.strictEqual(r.failed.length, 1);
  assert.strictEqual(r.passed, 0);
});

test('tests a failing hook kept from running are not run, and the hook is listed', () => {
  const list = {tests: [t('a b'), t('a c')]};
  const hook = {fullTitle: 'a "before each" hook for "b"', title: '"before each" hook for "b"', err: {message: 'x'}};
  const r = judge(opts, list, {passes: [], failures: [hook]}, {});
  assert.deepStrictEqual(r.notRun, ['a b', 'a c']);
  assert.deepStrictEqual(r.hookFailures, [{title: hook.fullTitle, error: 'x'}]);
  assert.deepStrictEqual(r.failed, []);
});

test('repeated titles are matched by count', () => {
  const list = {tests: [t('a dup'), t('a dup')]};
  const r = judge(opts, list, {passes: [t('a dup')], failures: []}, {});
  assert.strictEqual(r.passed, 1);
  assert.deepStrictEqual(r.notRun, ['a dup']);
});

test('an exclusion naming no test is stale', () => {
  const r = judge(opts, {tests: [t('a b')]}, {passes: [t('a b')], failures: []}, {'gone': 'why'});
  assert.deepStrictEqual(r.staleExclusions, ['gone']);
});
