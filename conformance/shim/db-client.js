// The client parts of sharedb's test/db.js harness, under the same describe
// titles test/db-memory.js gives them ("MemoryDB db ..."), without the
// database-contract tests that need the database object in process.
// Copied into the work copy's test/ folder by setup.js.
var Backend = require('../lib/backend');
var BasicQueryableMemoryDB = require('./BasicQueryableMemoryDB');

function getQuery(options) {
  return {filter: options.query, sort: options.sort};
}

describe('MemoryDB', function() {
  describe('db', function() {
    beforeEach(function() {
      this.db = new BasicQueryableMemoryDB();
      this.backend = new Backend({db: this.db});
    });

    afterEach(function(done) {
      this.backend.close(done);
    });

    require('./client/query-subscribe')({getQuery: getQuery});
    require('./client/query')({getQuery: getQuery});
    require('./client/projections')({getQuery: getQuery});
    require('./client/submit')();
    require('./client/submit-json1')();
    require('./client/subscribe')();
  });
});
