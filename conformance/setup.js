'use strict';
// Lays out the work copy the conformance suite runs in: a fresh copy of the
// installed sharedb package under .work/sharedb, with the WebSocket shim laid
// over lib/backend.js and the db-harness driver added as test/db-client.js.
//
// Usage: node setup.js [--in-process]
// --in-process keeps the genuine lib/backend.js (to list and count the tests
// as sharedb itself runs them). Prints the work copy's path.

const fs = require('fs');
const path = require('path');

const here = __dirname;
const source = path.dirname(require.resolve('sharedb/package.json', {paths: [here]}));
const work = path.join(here, '.work', 'sharedb');

function main() {
  const inProcess = process.argv.includes('--in-process');
  const version = require(path.join(source, 'package.json')).version;
  if (version !== '7.0.0') {
    throw new Error('setup: expected sharedb 7.0.0 in node_modules, found ' + version);
  }
  fs.rmSync(work, {recursive: true, force: true});
  fs.mkdirSync(path.dirname(work), {recursive: true});
  fs.cpSync(source, work, {recursive: true});
  if (!inProcess) {
    fs.copyFileSync(path.join(here, 'shim', 'backend.js'), path.join(work, 'lib', 'backend.js'));
  }
  fs.copyFileSync(path.join(here, 'shim', 'db-client.js'), path.join(work, 'test', 'db-client.js'));
  process.stdout.write(work + '\n');
}

main();
