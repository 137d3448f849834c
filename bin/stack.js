#!/usr/bin/env -S node --
// `node --` stops Node 20 from reading our --env-file flag as its own (nodejs/node#54232).
// The installed `stack` command. CommonJS (bin/package.json), like src/boot.cts which starts
// the bundled CLI through V8's code cache: keep this file tiny.
require('../dist/src/boot.cjs').boot(process.argv);
