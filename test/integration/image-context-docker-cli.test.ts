// Our build-context tar against the Docker CLI's own: for the same context, `DOCKER_BUILDKIT=0
// docker build` must send the same entries (names, order, types, modes, owners, sizes, mtimes,
// link targets, contents) as createContextTar. The CLI talks to a fake engine on a unix socket
// that only records the body of POST /build: no engine, no image, nothing left behind.
//
// Differences between Docker CLI versions that are left out of the comparison (measured with
// Debian's 20.10 CLI and CLI 28): 20.10 writes the file type into the mode field and "root" as
// user and group names, 28 neither (we follow 28); 20.10's older matcher keeps `a/b/c` for the
// patterns `a/b` and `!a`, 28 does not (we follow 28). One deliberate difference with both: an
// exception with a wildcard (`!**/LICENSE`) re-includes files inside an excluded directory for
// BuildKit and for us, while the classic CLI never looks inside that directory.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { extract } from 'tar-stream';
import { createContextTar } from '../../src/image/context-tar.js';

interface Recorded {
  readonly body: Buffer;
  readonly dockerfile: string | null;
}

/** A fake engine: answers the CLI's ping and version calls, records each POST /build body. */
class BuildRecorder {
  private server: Server | undefined;
  last: Recorded | undefined;

  constructor(readonly socket: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://engine');
      if (url.pathname.endsWith('/_ping')) {
        res.writeHead(200, { 'API-Version': '1.41', OSType: 'linux' });
        res.end('OK');
      } else if (url.pathname.endsWith('/version')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ Version: '20.10.24', ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux' }));
      } else if (url.pathname.endsWith('/build')) {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          this.last = { body: Buffer.concat(chunks), dockerfile: url.searchParams.get('dockerfile') };
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(`${JSON.stringify({ error: 'recorded', errorDetail: { message: 'recorded' } })}\n`);
        });
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(this.socket, resolve));
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
    try {
      unlinkSync(this.socket);
    } catch {
      // Removed by close.
    }
  }

  /** Runs the classic `docker build` of `contextDir` against this fake engine; returns what it sent. */
  async dockerBuild(contextDir: string, extraArgs: string[] = []): Promise<Recorded> {
    this.last = undefined;
    const child = spawn('docker', ['build', ...extraArgs, contextDir], {
      env: { ...process.env, DOCKER_BUILDKIT: '0', DOCKER_HOST: `unix://${this.socket}`, DOCKER_CONTEXT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    if (!this.last) throw new Error(`docker build sent no build request: ${output}`);
    return this.last;
  }
}

type Row = [name: string, type: string, mode: number, uid: number, gid: number, size: number, mtime: number, link: string | null, content: string];

async function rows(tar: Buffer): Promise<Row[]> {
  const out: Row[] = [];
  const ex = extract();
  await new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (c: unknown) => chunks.push(c as Buffer));
      body.on('end', () => {
        const mtime = Math.floor((h.mtime?.getTime() ?? 0) / 1000);
        out.push([h.name, h.type ?? '', h.mode! & 0o7777, h.uid ?? 0, h.gid ?? 0, h.size ?? 0, mtime, h.linkname ?? null, Buffer.concat(chunks).toString('utf8')]);
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
    ex.end(tar);
  });
  return out;
}

/**
 * The CLI ends the tar right after the content of the Dockerfile it appends: no padding to a
 * 512-byte block, no end-of-archive blocks (the engine's reader accepts that; tar(1) and
 * tar-stream do not). Completes it so that it can be read.
 */
function completeTar(body: Buffer): Buffer {
  const padding = (512 - (body.length % 512)) % 512;
  return Buffer.concat([body, Buffer.alloc(padding + 1024)]);
}

async function ours(input: Parameters<typeof createContextTar>[0]): Promise<{ rows: Row[]; dockerfile: string }> {
  const tar = createContextTar(input);
  const chunks: Buffer[] = [];
  for await (const c of tar.stream) chunks.push(c as Buffer);
  return { rows: await rows(Buffer.concat(chunks)), dockerfile: tar.dockerfileName };
}

const root = mkdtempSync(join(tmpdir(), 'stack-cli-ctx-'));
const recorder = new BuildRecorder(join(root, 'engine.sock'));
const stamp = new Date('2021-05-06T07:08:09Z');

/** A context of `files` (a value starting with "->" is a symbolic link to the rest). */
function makeContext(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (content.startsWith('->')) symlinkSync(content.slice(2), path);
    else {
      writeFileSync(path, content);
      utimesSync(path, stamp, stamp);
    }
  }
  return dir;
}

before(() => recorder.start());
after(async () => {
  await recorder.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('the tar of a context is the one the Docker CLI sends', () => {
  const cases: [name: string, files: Record<string, string>][] = [
    [
      'comments, exceptions, a leading slash, cleaned paths, links',
      {
        Dockerfile: 'FROM scratch\n',
        '.dockerignore': '# comment\nnode_modules\n*.log\n!keep.log\n/secret.txt\n./build/../tmp\n',
        'a.txt': 'a',
        'keep.log': 'k',
        'x.log': 'x',
        'secret.txt': 's',
        'tmp/t': 't',
        'node_modules/m/i.js': 'm',
        'src/app.js': 'app',
        link: '->a.txt',
      },
    ],
    [
      'an exception inside an excluded directory, and later patterns overriding it',
      {
        Dockerfile: 'FROM scratch\n',
        '.dockerignore': 'docs\n!docs/README.md\n*.md\n!README*.md\nREADME-secret.md\n',
        'docs/README.md': 'r',
        'docs/other.md': 'o',
        'README-public.md': 'p',
        'README-secret.md': 's',
        'CHANGES.md': 'c',
      },
    ],
    [
      '** at the start and at the end',
      {
        Dockerfile: 'FROM scratch\n',
        '.dockerignore': '**/*.tmp\n**/cache\nbuild/**\n',
        'a.tmp': 'x',
        'd/e/f.tmp': 'x',
        'd/cache/x': 'x',
        'cache/y': 'y',
        'build/out': 'o',
        'build2/out': 'o',
        'keep/z': 'z',
      },
    ],
    ['the Dockerfile and .dockerignore travel though ignored', { Dockerfile: 'FROM scratch\n', '.dockerignore': '*\n!src\n', 'src/a': 'a', other: 'o' }],
    [
      'classes, ?, CRLF line ends, spaces',
      {
        Dockerfile: 'FROM scratch\n',
        '.dockerignore': '[ab].txt\n?.dat\nlog[0-9]\r\n  spaced.txt  \n',
        'a.txt': 'a',
        'c.txt': 'c',
        'x.dat': 'x',
        'xy.dat': 'xy',
        log1: '1',
        logx: 'x',
        'spaced.txt': 's',
      },
    ],
  ];
  for (const [name, files] of cases) {
    it(name, async () => {
      const dir = makeContext(name.replace(/\W+/g, '-'), files);
      const docker = await recorder.dockerBuild(dir);
      const mine = await ours({ contextDir: dir });
      assert.deepEqual(mine.rows, await rows(docker.body));
      assert.equal(mine.dockerfile, docker.dockerfile);
    });
  }

  it('a Dockerfile outside the context: added under a generated name that .dockerignore then names', async () => {
    const dir = makeContext('outside', { '.dockerignore': 'tmp\n', 'a.txt': 'a', 'tmp/x': 'x' });
    const dockerfile = join(root, 'outside.Dockerfile');
    writeFileSync(dockerfile, 'FROM scratch\nCOPY . /\n');
    const docker = await recorder.dockerBuild(dir, ['-f', dockerfile]);
    const mine = await ours({ contextDir: dir, dockerfile });
    assert.match(docker.dockerfile ?? '', /^\.dockerfile\.[0-9a-f]{20}$/);
    // The CLI's name is random and its generated entries carry the current time: compare
    // them with ours under one name and without mtimes.
    const normalise = (rowsOf: Row[], generated: string): Row[] =>
      rowsOf.map((r): Row => {
        const named = r[0] === generated ? 'GENERATED' : r[0];
        const content = r[8].split(generated).join('GENERATED');
        const synthetic = named === 'GENERATED';
        return [named, r[1], r[2], r[3], r[4], synthetic || r[0] === '.dockerignore' ? -1 : r[5], synthetic ? 0 : r[6], r[7], content];
      });
    assert.deepEqual(normalise(mine.rows, mine.dockerfile), normalise(await rows(completeTar(docker.body)), docker.dockerfile!));
  });
});
