// A TLS + HTTP/2 front for the local server, for the DoH clients that speak only HTTP/2 (dig, kdig):
// `wrangler dev` serves HTTP/1.1 only. It listens on 127.0.0.1 with a self-signed certificate made at
// start and forwards each request (method, path, headers, body) to the local server over HTTPS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Connection-specific headers, which HTTP/2 forbids and HTTP/1.1 hops must not forward.
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);

function selfSigned(dir) {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const r = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.error ?? r.stderr}`);
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

/** Starts the front for `upstream` (an https://127.0.0.1:<port> origin); resolves to its port and a stop(). */
export async function startH2Front(upstream) {
  const target = new URL(upstream);
  if (target.hostname !== '127.0.0.1') throw new Error(`the front forwards to 127.0.0.1 only, not ${target.hostname}`);
  const dir = mkdtempSync(join(tmpdir(), 'kube-sandbox-h2-'));
  const log = [];
  const server = createSecureServer({ ...selfSigned(dir), allowHTTP1: true }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = {};
      for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(':') && !HOP.has(k)) headers[k] = v;
      if (body.length) headers['content-length'] = String(body.length);
      log.push(`HTTP/${req.httpVersion} ${req.method} ${req.url}`);
      const out = request(
        { hostname: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers, rejectUnauthorized: false, agent: false },
        (up) => {
          const back = {};
          for (const [k, v] of Object.entries(up.headers)) if (!HOP.has(k)) back[k] = v;
          res.writeHead(up.statusCode, back);
          up.pipe(res);
        },
      );
      out.on('error', (e) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`front: ${e.message}`);
      });
      out.end(body);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    /** what the front received, one line per request (protocol, method, path) */
    log,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        rmSync(dir, { recursive: true, force: true });
      }),
  };
}
