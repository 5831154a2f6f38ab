/**
 * The baseline: a bare node:http server in its own process, answering the way the store's API does but
 * doing nothing else — PUT (after reading the body) 204, GET 200 with a 100-byte body. Run as
 * `node dist/bench/kv/raw-server.js`; it prints `raw-server listening <port>` and exits when its parent does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Child, HOST, spawnChild, waitForOutput } from './proc.js';

const BODY = Buffer.alloc(100, 'v');

function serve(): void {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
        res.end(BODY);
      } else {
        res.writeHead(204);
        res.end();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, HOST, () => {
    console.log(`raw-server listening ${(server.address() as AddressInfo).port}`);
  });
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 500).unref();
}

/** Starts the raw server process; its port and the child (for its pid and to stop it). */
export async function startRawServer(): Promise<{ port: number; child: Child }> {
  const child = spawnChild('raw node:http server', process.execPath, [fileURLToPath(import.meta.url)]);
  const m = await waitForOutput(child, /raw-server listening (\d+)/, 10_000);
  return { port: Number(m[1]), child };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) serve();
