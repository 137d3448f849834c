#!/usr/bin/env -S node --
// `node --` stops Node 20 from reading our --env-file flag as its own (nodejs/node#54232).
// The installed `stack` command. Everything lives in the compiled entry point; keep this file
// tiny so start-up costs only what the chosen command needs.
import('../dist/src/main.js').then((m) => m.main(process.argv));
