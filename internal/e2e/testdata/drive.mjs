// Drives the test shop page in headless Chromium the way a visitor would,
// while posthog-js records the visit into Tapedeck.
//
// Environment:
//   PAGE_URL         the page (served by the Go test, another origin than API_HOST)
//   API_HOST         Tapedeck's address, the page's api_host
//   TOKEN            the project token the page must be using
//   SDK              the posthog-js version the page loads
//   WEB_DIR          the npm project holding playwright-core
//   CHROMIUM         the browser binary (default /usr/bin/chromium)
//   SCREENSHOT       where to save a screenshot of the page (optional)
//
// Prints one JSON object on stdout: the session id, what the visitor did,
// and every request the page sent to API_HOST. Diagnostics go to stderr.

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') {
    console.error(`drive.mjs: ${name} is not set`);
    process.exit(2);
  }
  return v;
};
const pageURL = env('PAGE_URL');
const apiHost = env('API_HOST').replace(/\/$/, '');
const token = env('TOKEN');
const sdk = env('SDK');
const webDir = env('WEB_DIR');
const chromium = env('CHROMIUM', '/usr/bin/chromium');
const screenshot = process.env.SCREENSHOT || '';

const require = createRequire(join(webDir, 'package.json'));
const { chromium: launcher } = require('playwright-core');

const log = (...args) => console.error(`[${sdk}]`, ...args);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Every request to the API host, in the order the page sent them.
const requests = [];
let inFlight = 0;
let lastActivity = Date.now();
const pageErrors = [];

// A fresh profile for every run; playwright-core passes it to Chromium as
// --user-data-dir.
const profile = mkdtempSync(join(tmpdir(), 'tapedeck-chromium-'));
let context;
let exitCode = 0;
try {
  context = await launcher.launchPersistentContext(profile, {
    executablePath: chromium,
    headless: true,
    viewport: { width: 1000, height: 700 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());

  page.on('request', (req) => {
    if (!req.url().startsWith(apiHost + '/')) return;
    const u = new URL(req.url());
    const entry = { method: req.method(), path: u.pathname + u.search, type: req.resourceType(), status: 0 };
    requests.push(entry);
    inFlight++;
    lastActivity = Date.now();
    const done = (status) => {
      entry.status = status;
      inFlight--;
      lastActivity = Date.now();
    };
    req.response().then(
      (resp) => done(resp ? resp.status() : -1),
      () => done(-1),
    );
  });
  page.on('requestfailed', (req) => {
    if (req.url().startsWith(apiHost + '/')) log('request failed:', req.method(), req.url(), req.failure()?.errorText);
  });
  page.on('pageerror', (err) => {
    pageErrors.push(String(err));
    log('page error:', err);
  });
  page.on('console', (msg) => log(`console.${msg.type()}:`, msg.text()));

  await page.goto(pageURL, { waitUntil: 'load' });
  await page.waitForFunction(() => window.posthog && window.posthog.__loaded, null, { timeout: 15000 });
  // The recorder starts once the remote config arrived (and, for some SDK
  // generations, once the lazily loaded recorder script ran).
  await page.waitForFunction(() => window.posthog.sessionRecordingStarted(), null, { timeout: 20000 });
  await sleep(500);

  const pageToken = await page.evaluate(() => window.posthog.config.token);
  if (pageToken !== token) throw new Error(`the page initialised posthog with token ${pageToken}, not ${token}`);
  const sessionId = await page.evaluate(() => window.posthog.get_session_id());
  const sdkVersion = await page.evaluate(() => window.posthog.version || (window.posthog.LIB_VERSION ?? ''));

  // What the visitor does; the Go test expects exactly this.
  const actions = { clicks: 0, typed: '', console: { log: 0, warn: 0, error: 0 } };
  for (const id of ['#add-tea', '#add-cake', '#add-jam']) {
    await page.click(id);
    actions.clicks++;
    await sleep(150);
  }
  await page.focus('#name'); // focus, not a click: the click count stays exact
  actions.typed = 'Alice Example';
  await page.keyboard.type(actions.typed, { delay: 40 });
  await page.evaluate(() => {
    console.log('basket has', document.querySelectorAll('#basket li').length, 'items');
    console.log('checkout started');
    console.warn('stock is low');
    console.error('payment declined');
  });
  actions.console = { log: 2, warn: 1, error: 1 };
  await sleep(300);
  await page.evaluate(() => {
    history.pushState({}, '', '/checkout?step=2');
    document.getElementById('step').textContent = 'Step 2: payment';
    window.posthog.capture('$pageview');
  });
  const checkoutURL = await page.evaluate(() => location.href);
  await page.evaluate((v) => window.posthog.identify(`e2e-user-${v}`, { email: `e2e-${v}@example.com` }), sdk);
  await sleep(300);

  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  const sessionAtEnd = await page.evaluate(() => window.posthog.get_session_id());
  if (sessionAtEnd !== sessionId) throw new Error(`the session changed during the visit: ${sessionId}, then ${sessionAtEnd}`);

  // posthog-js buffers recording events for about 2 s, then its request
  // queue sends batches every few seconds. Wait until the page has had time
  // for both and has been quiet for a while, then let it hide and unload,
  // which makes the SDK send whatever it still holds.
  const lastAction = Date.now();
  const deadline = lastAction + 20000;
  while (Date.now() < deadline) {
    const sinceAction = Date.now() - lastAction;
    const quiet = Date.now() - lastActivity;
    if (inFlight === 0 && sinceAction > 6000 && quiet > 1500) break;
    await sleep(200);
  }
  await page.goto('about:blank');
  const unloadDeadline = Date.now() + 5000;
  await sleep(500);
  while (inFlight > 0 && Date.now() < unloadDeadline) await sleep(100);

  const output = {
    sdk,
    sdkVersion,
    sessionId,
    pageURL,
    checkoutURL,
    actions,
    pageErrors,
    requests,
  };
  process.stdout.write(JSON.stringify(output) + '\n');
} catch (err) {
  log('failed:', err && err.stack ? err.stack : err);
  log('requests so far:', JSON.stringify(requests));
  exitCode = 1;
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(exitCode);
