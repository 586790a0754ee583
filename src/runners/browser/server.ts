/**
 * The page server for browser targets: a `node:http` server bound to 127.0.0.1 on an ephemeral port.
 *
 * Why these headers:
 * - `Cross-Origin-Opener-Policy: same-origin` + `Cross-Origin-Embedder-Policy: require-corp` make the page
 *   cross-origin isolated: SharedArrayBuffer (WASM threads) works and `performance.now()` has 5 µs instead of
 *   100 µs resolution. `Cross-Origin-Resource-Policy: same-origin` on every response keeps the served scripts,
 *   wasm and models loadable under COEP.
 * - `http://127.0.0.1` is a secure context, so WebGPU is exposed.
 * - MIME types: `application/wasm` (streaming compilation) and `text/javascript` for .mjs/.js (module scripts).
 *
 * Routes (nothing else on disk is reachable; `..` is rejected):
 *   /                       a blank isolated page (index.html of the page bundle)
 *   /page/<file>            the esbuild page bundle (dist/page, built by scripts/build-page.mjs)
 *   /ort/, /tflite-wasm/, /litert-wasm/...   each browser runtime's files, from the page table
 *                           (src/runners/<runtime>/page.json: `files.prefix` -> `<package>/<files.dir>`), when installed
 *   /models/<sha256>.<ext>  model files registered with `addModel` (the export cache's files, by content hash)
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { packageRoot } from '../../paths.js';
import { bundleStaleReason } from '../../util/bundle-info.js';
import { runtimeMounts } from './pages.js';

/** Content types by extension. */
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.tflite': 'application/octet-stream',
  '.data': 'application/octet-stream',
};

/** Headers on every response (cross-origin isolation; no caching so every load is a real load). */
const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const projectRoot = packageRoot;

/** Where the page bundle lives (dist/page under the project root). */
function pageDir(root = projectRoot()): string {
  return join(root, 'dist', 'page');
}

/** Why the page bundle must be (re)built, or null when it is current. */
export function pageBundleStaleReason(root = projectRoot()): string | null {
  return bundleStaleReason(root, join('dist', 'page'), 'page bundle');
}

let building: Promise<void> | null = null;

/**
 * Makes sure dist/page is built and current: runs `node scripts/build-page.mjs` when it is missing or older
 * than its sources (a source checkout used without `npm run build`). An installed package ships dist/page.
 */
async function ensurePageBundle(root = projectRoot()): Promise<void> {
  const why = pageBundleStaleReason(root);
  if (!why) return;
  const script = join(root, 'scripts', 'build-page.mjs');
  if (!existsSync(script)) throw new Error(`${why}, and scripts/build-page.mjs is not there to build it; reinstall mnv4-bench`);
  if (!building) {
    building = new Promise<void>((res, rej) => {
      execFile(process.execPath, [script], { cwd: root, timeout: 180_000 }, (err, _out, stderr) => {
        if (err)
          rej(
            new Error(
              `building the browser page bundle failed (${why}): ${String(stderr || err.message)
                .trim()
                .split('\n')
                .slice(-3)
                .join(' ')}; run \`npm run build\``,
            ),
          );
        else res();
      });
    }).finally(() => {
      building = null;
    });
  }
  await building;
}

/** sha256 of a file, hex. */
function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The running page server. */
export class PageServer {
  private readonly models = new Map<string, string>();
  private readonly mounts: [prefix: string, dir: string][];
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    root: string,
  ) {
    this.mounts = [['/page/', pageDir(root)], ...runtimeMounts(root)];
  }

  /** Starts a server on 127.0.0.1 with an ephemeral port. */
  static async start(root = projectRoot()): Promise<PageServer> {
    let self: PageServer | null = null;
    const server = createServer((req, res) => {
      if (!self) {
        res.writeHead(503).end();
        return;
      }
      self.handle(req, res);
    });
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(0, '127.0.0.1', () => res());
    });
    // keep-alive sockets must not keep the process (or close()) waiting.
    server.keepAliveTimeout = 1_000;
    const port = (server.address() as AddressInfo).port;
    self = new PageServer(server, `http://127.0.0.1:${port}`, root);
    return self;
  }

  /** URL path prefixes and the directories they serve (for diagnostics). */
  get routes(): readonly (readonly [string, string])[] {
    return this.mounts;
  }

  /**
   * Registers a model file; returns its URL (absolute). The URL is keyed by the file's sha256 so two files
   * with the same name never collide and the page loads exactly the bytes the runner validated. When the
   * caller gives the sha256 recorded at export, a file that no longer matches it is an error.
   */
  addModel(path: string, sha256?: string): string {
    if (!existsSync(path)) throw new Error(`model file ${path} does not exist`);
    // always hashed: the page must load exactly the bytes the workload names.
    const hash = sha256File(path);
    if (sha256 && sha256.toLowerCase() !== hash)
      throw new Error(
        `model file ${path} changed since it was exported (sha256 ${hash.slice(0, 12)}... != recorded ${sha256.slice(0, 12)}...); re-export it`,
      );
    const ext =
      extname(path)
        .toLowerCase()
        .replace(/[^.a-z0-9]/g, '') || '.bin';
    const name = `${hash}${ext}`;
    this.models.set(name, resolve(path));
    return `${this.origin}/models/${name}`;
  }

  private send404(res: ServerResponse, what: string): void {
    res.writeHead(404, { ...ISOLATION_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`not found: ${what}`);
  }

  private sendFile(res: ServerResponse, path: string, method: string): void {
    let size: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) return this.send404(res, path);
      size = st.size;
    } catch {
      return this.send404(res, path);
    }
    res.writeHead(200, {
      ...ISOLATION_HEADERS,
      'Content-Type': MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(size),
    });
    if (method === 'HEAD') {
      res.end();
      return;
    }
    const s = createReadStream(path);
    s.on('error', () => res.destroy());
    s.pipe(res);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, ISOLATION_HEADERS).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', this.origin).pathname);
    } catch {
      res.writeHead(400, ISOLATION_HEADERS).end();
      return;
    }
    if (pathname === '/' || pathname === '/index.html') {
      res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': MIME_TYPES['.html'] as string });
      res.end(
        method === 'HEAD' ? undefined : '<!doctype html><html><head><meta charset="utf-8"><title>mnv4-bench</title></head><body></body></html>',
      );
      return;
    }
    if (pathname === '/favicon.ico') {
      res.writeHead(204, ISOLATION_HEADERS).end();
      return;
    }
    if (pathname.startsWith('/models/')) {
      const file = this.models.get(pathname.slice('/models/'.length));
      if (!file) return this.send404(res, pathname);
      return this.sendFile(res, file, method);
    }
    for (const [prefix, dir] of this.mounts) {
      if (!pathname.startsWith(prefix)) continue;
      const rel = pathname.slice(prefix.length);
      const full = normalize(join(dir, rel));
      if (rel.includes('\0') || !(full === dir || full.startsWith(dir + sep))) return this.send404(res, pathname);
      return this.sendFile(res, full, method);
    }
    this.send404(res, pathname);
  }

  /** Stops listening and drops open connections. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.server.closeAllConnections();
    await new Promise<void>((res) => this.server.close(() => res()));
  }
}

let shared: { server: Promise<PageServer>; refs: number } | null = null;

/** A reference to the process-wide page server; `release()` when done (the last release stops it). */
export interface PageServerHandle {
  readonly server: PageServer;
  release(): Promise<void>;
}

/** Returns the process-wide page server, starting it (and building the page bundle if needed) on first use. */
export async function acquirePageServer(): Promise<PageServerHandle> {
  await ensurePageBundle();
  if (!shared) {
    const s = { server: PageServer.start(), refs: 0 };
    shared = s;
    s.server.catch(() => {
      if (shared === s) shared = null;
    });
  }
  const entry = shared;
  const server = await entry.server;
  entry.refs++;
  let released = false;
  return {
    server,
    release: async () => {
      if (released) return;
      released = true;
      entry.refs--;
      if (entry.refs <= 0) {
        if (shared === entry) shared = null;
        await server.close();
      }
    },
  };
}
