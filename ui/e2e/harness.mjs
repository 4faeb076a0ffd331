//! End-to-end test harness: starts a real TucanLink server on a free port with a fresh data
//! directory (serving the built UI from ui/dist), creates companies through the API and
//! drives a headless Chromium with playwright-core.
//!
//!   const platform = await startPlatform();
//!   const rootToken = (await platformSignIn(platform)).access_token;
//!   const tenant = await setupTenant(platform.baseUrl, rootToken, { name: 'Acme' });
//!   const browser = await launchBrowser();
//!   ...
//!   await platform.stop();
//!
//! A crash test kills the server and starts it again on the same data directory:
//!
//!   const first = await startPlatform();
//!   await platformSignIn(first);            // first.adminPassword is now the chosen one
//!   await first.kill();                     // SIGKILL; the data directory stays
//!   const again = await startPlatform({ dataDir: first.dataDir, adminEmail: first.adminEmail, adminPassword: first.adminPassword });
//!   ...
//!   await again.stop();                     // leaves the directory (it is not its own)
//!   await first.stop();                     // removes it (the start that made it owns it)

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const UI_DIR = resolve(here, '..');
export const REPO_DIR = resolve(UI_DIR, '..');
export const SCREENSHOT_DIR = join(REPO_DIR, 'tests', 'screenshots');

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the server binary (env TUCANLINK_BIN, else debug/tucanlink under CARGO_TARGET_DIR or
 * the repository's target/) and waits until `/readyz` answers. Resolves to `{ baseUrl, adminEmail, adminPassword, dataDir, stop(), kill() }`;
 * the admin is the first platform admin the development start creates, and `adminPassword`
 * the password it printed: a given one, to be replaced at the first sign-in (`platformSignIn`
 * over the API, `uiChoosePassword` in the app). `baseUrl` serves
 * the app and the API on one origin (when the binary does not serve ui/dist itself, a small
 * front from `serveUi` does, and `apiUrl` is the server's own address).
 * Options: `{ env }` extra environment (or a function of `{ port, baseUrl }` answering it, for
 * settings that name the server's own address), `{ log: true }` to mirror the server's output.
 *
 * `{ dataDir }` starts the server on an existing data directory (one an earlier start made
 * and killed) instead of a fresh one: the server then creates no admin and prints no
 * password, so the start waits for `/readyz` only, and `adminEmail` / `adminPassword` answer
 * the options' of those names (the earlier platform's, as `platformSignIn` left them; the
 * email defaults to the development admin's). Such a start never deletes the directory:
 * the start that made it does, at its own `stop()`.
 *
 * `stop()` ends the server (SIGTERM, SIGKILL after 10 s) and removes the data directory the
 * start made; it may be called again, and after `kill()`. `kill()` sends SIGKILL (a crash,
 * nothing flushed) and waits until the process is gone, leaving the data directory.
 */
export async function startPlatform(options = {}) {
  const bin =
    process.env.TUCANLINK_BIN ||
    join(process.env.CARGO_TARGET_DIR || join(REPO_DIR, 'target'), 'debug', 'tucanlink');
  if (!existsSync(bin)) throw new Error(`the server binary is missing: ${bin} (set TUCANLINK_BIN)`);
  const uiDist = join(UI_DIR, 'dist');
  if (!existsSync(join(uiDist, 'index.html'))) throw new Error(`the UI is not built: run \`npx vite build\` in ${UI_DIR}`);
  const port = await freePort();
  const ownsDataDir = !options.dataDir;
  const dataDir = options.dataDir ? resolve(options.dataDir) : mkdtempSync(join(tmpdir(), 'tucan-e2e-'));
  if (!existsSync(dataDir)) throw new Error(`the data directory is missing: ${dataDir}`);
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      TUCAN__DATA_DIR: dataDir,
      TUCAN__HTTP__BIND: `127.0.0.1:${port}`,
      TUCAN__UI__DIR: uiDist,
      TUCAN__LOG__LEVEL: process.env.TUCAN__LOG__LEVEL || 'warn',
      ...(typeof options.env === 'function' ? options.env({ port, baseUrl }) : options.env),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let exited = null;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    out += d;
    if (options.log) process.stdout.write(d);
  });
  child.stderr.on('data', (d) => {
    if (options.log || process.env.E2E_SERVER_LOG) process.stderr.write(d);
  });
  const gone = new Promise((ok) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      ok();
    }),
  );

  const kill = async () => {
    if (exited === null) {
      child.kill('SIGKILL');
      await gone;
    }
  };
  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      for (let i = 0; i < 200 && exited === null; i++) await sleep(50);
      await kill();
    }
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(`the server exited (${JSON.stringify(exited)}) before it was ready:\n${out}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server was not ready within 90 s:\n${out}`);
    }
    try {
      const r = await fetch(`${baseUrl}/readyz`);
      if (r.ok && (!ownsDataDir || /password:\s*\S+/.test(out))) break;
    } catch {
      /* not listening yet */
    }
    await sleep(150);
  }
  const adminEmail = ownsDataDir ? (out.match(/email:\s*(\S+)/)?.[1] ?? 'admin@tucanlink.local') : (options.adminEmail ?? 'admin@tucanlink.local');
  const adminPassword = ownsDataDir ? out.match(/password:\s*(\S+)/)[1] : options.adminPassword;

  // A server that does not serve the UI itself gets a small front: ui/dist plus a proxy.
  const home = await fetch(`${baseUrl}/login`).catch(() => null);
  const servesUi = home?.ok && (home.headers.get('content-type') ?? '').includes('text/html');
  if (!servesUi) {
    const front = await serveUi(uiDist, port);
    let frontOpen = true;
    const closeFront = async () => {
      if (frontOpen) {
        frontOpen = false;
        await front.close();
      }
    };
    return {
      baseUrl: front.baseUrl,
      apiUrl: baseUrl,
      adminEmail,
      adminPassword,
      dataDir,
      stop: async () => {
        await closeFront();
        await stop();
      },
      kill: async () => {
        await kill();
        await closeFront();
      },
    };
  }
  return { baseUrl, apiUrl: baseUrl, adminEmail, adminPassword, dataDir, stop, kill };
}

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Serves the built UI on a free port with SPA fallback, passing `/api`, `/healthz` and
 * `/readyz` (websocket upgrades included) to the server on `apiPort`.
 */
export async function serveUi(dist, apiPort) {
  const root = resolve(dist);
  const isApi = (url) => url.startsWith('/api/') || url === '/api' || url.startsWith('/healthz') || url.startsWith('/readyz');
  const srv = createHttpServer((req, res) => {
    const url = req.url ?? '/';
    if (isApi(url)) {
      const up = httpRequest({ host: '127.0.0.1', port: apiPort, method: req.method, path: url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(up);
      return;
    }
    const path = normalize(join(root, decodeURIComponent(url.split('?')[0])));
    const file = path.startsWith(root) && existsSync(path) && statSync(path).isFile() ? path : join(root, 'index.html');
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  srv.on('upgrade', (req, socket, head) => {
    const up = connect(apiPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head?.length) up.write(head);
      socket.pipe(up).pipe(socket);
    });
    const end = () => {
      socket.destroy();
      up.destroy();
    };
    up.on('error', end);
    socket.on('error', end);
  });
  const port = await freePort();
  await new Promise((ok) => srv.listen(port, '127.0.0.1', ok));
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((ok) => {
        srv.closeAllConnections?.();
        srv.close(() => ok());
      }),
  };
}

/** An error answer of the API, with its status and stable code. */
export class ApiFailure extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} → ${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`);
    this.status = status;
    this.code = body?.code;
    this.body = body;
  }
}

/**
 * Fetch helpers bound to a base URL and a bearer token (or none):
 * `const a = apiAs(baseUrl, token); await a.post('/api/queues', {name: 'Support'})`.
 * Each answers the parsed JSON (or text), and throws `ApiFailure` on an error status.
 * `a.raw(method, path, {body, headers})` answers the fetch Response itself.
 */
export function apiAs(baseUrl, token) {
  const raw = (method, path, { body, headers = {} } = {}) => {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload = body;
    if (body !== undefined && !(body instanceof Uint8Array) && !(body instanceof ArrayBuffer) && typeof body !== 'string') {
      h['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    return fetch(new URL(path, baseUrl), { method, headers: h, body: payload });
  };
  const call = async (method, path, body, headers) => {
    const r = await raw(method, path, { body, headers });
    const text = await r.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    if (!r.ok) throw new ApiFailure(method, path, r.status, parsed);
    return parsed;
  };
  return {
    token,
    raw,
    get: (path) => call('GET', path),
    post: (path, body = {}, headers) => call('POST', path, body, headers),
    put: (path, body, headers) => call('PUT', path, body, headers),
    patch: (path, body) => call('PATCH', path, body),
    delete: (path) => call('DELETE', path),
  };
}

/** Signs in over the API; answers the session (`access_token`, `refresh_token`, `user`). */
export async function signIn(baseUrl, email, password) {
  return apiAs(baseUrl).post('/api/auth/login', { email, password });
}

/** The password a user chooses in place of `given` (the policy's 10 to 128 characters, not `given`). */
export function ownPassword(given) {
  return `${given}-own`;
}

/**
 * Signs the first platform admin in over the API and answers the session. The password
 * printed at the first start is a given one: the first time, the admin chooses their own
 * (`POST /api/auth/password`, which ends every session) and signs in again with it, and
 * `platform.adminPassword` becomes that password.
 */
export async function platformSignIn(platform) {
  const session = await signIn(platform.baseUrl, platform.adminEmail, platform.adminPassword);
  if (!session.user?.password_must_change) return session;
  const chosen = ownPassword(platform.adminPassword);
  await apiAs(platform.baseUrl, session.access_token).post('/api/auth/password', {
    current_password: platform.adminPassword,
    new_password: chosen,
  });
  platform.adminPassword = chosen;
  return signIn(platform.baseUrl, platform.adminEmail, chosen);
}

let tenantSeq = 0;

/**
 * Creates a company on the first plan with its first admin (as the platform admin whose
 * token is `rootToken`) and signs that admin in.
 * Resolves to `{ tenantId, adminEmail, adminPassword, adminToken, adminId, planId }`.
 */
export async function setupTenant(baseUrl, rootToken, { name = 'Acme', adminName = 'Ana Admin', country = 'BR', timezone = 'America/Sao_Paulo' } = {}) {
  const root = apiAs(baseUrl, rootToken);
  const plans = await root.get('/api/platform/plans');
  if (!plans.length) throw new Error('no plan exists to put the company on');
  const slug = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${Date.now().toString(36)}-${++tenantSeq}`;
  const adminEmail = `admin@${slug}.test`;
  const adminPassword = `Tucan-${Math.random().toString(36).slice(2, 10)}-pass`;
  const created = await root.post('/api/platform/tenants', {
    name,
    plan_id: plans[0].id,
    country,
    timezone,
    admin: { name: adminName, email: adminEmail, password: adminPassword },
  });
  const session = await signIn(baseUrl, adminEmail, adminPassword);
  return {
    tenantId: created.tenant.id,
    planId: plans[0].id,
    adminId: created.admin.id,
    adminEmail,
    adminPassword,
    adminToken: session.access_token,
  };
}

/**
 * A headless Chromium (Debian's /usr/bin/chromium, or env CHROMIUM_BIN). Playwright gives
 * every launch a fresh temporary profile (user-data-dir) and removes it on `close()`.
 */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Saves a full-page PNG as tests/screenshots/<name>.png; answers the path. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Polls `check` (which answers a truthy value when done) until it does; throws after `timeout` ms. */
export async function eventually(check, { timeout = 10_000, interval = 150, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(interval);
  }
}

/**
 * Signs in through the UI's sign-in page and waits until the app leaves it.
 * `page` is a Playwright page; `baseUrl` the platform's.
 */
export async function uiSignIn(page, baseUrl, email, password) {
  await page.goto(`${baseUrl}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 15_000 });
}

/**
 * On the "Choose your password" screen (shown instead of the app after signing in with a
 * password given to the user), types the given password and `chosen` twice, saves, and waits
 * until the screen gives way to the app.
 */
export async function uiChoosePassword(page, given, chosen) {
  const form = page.locator('[data-testid="choose-password"]');
  await form.waitFor({ timeout: 15_000 });
  await form.locator('input[name=current_password]').fill(given);
  await form.locator('input[name=new_password]').fill(chosen);
  await form.locator('input[name=repeat_password]').fill(chosen);
  await form.locator('[data-testid="choose-password-submit"]').click();
  try {
    await form.waitFor({ state: 'detached', timeout: 15_000 });
  } catch {
    const shown = await form.innerText().catch(() => '');
    throw new Error(`the password screen stayed after saving: ${shown}`);
  }
}
