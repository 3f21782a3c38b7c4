// Drives Tapedeck's web UI in headless Chromium as a person would: signs
// in, finds a recording in the list, opens the player, and checks what the
// player shows. Screenshots of the list and the player are saved.
//
// Environment:
//   BASE_URL     Tapedeck's address
//   EMAIL        the user to sign in as, and PASSWORD
//   SESSION_ID   the recording to find
//   PAGE_TEXT    text of the recorded page that must show in the replay
//   CONSOLE_ERROR the message of a console.error the visitor's page logged
//   WEB_DIR      the npm project holding playwright-core
//   CHROMIUM     the browser binary (default /usr/bin/chromium)
//   OUT_DIR      where to save ui-list.png, ui-player.png and others
//
// Prints one JSON object on stdout with what it saw; a failed check exits 1
// with the reason on stderr.

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') {
    console.error(`ui.mjs: ${name} is not set`);
    process.exit(2);
  }
  return v;
};
const base = env('BASE_URL').replace(/\/$/, '');
const email = env('EMAIL');
const password = env('PASSWORD');
const sessionId = env('SESSION_ID');
const pageText = env('PAGE_TEXT');
const consoleError = env('CONSOLE_ERROR');
const webDir = env('WEB_DIR');
const chromium = env('CHROMIUM', '/usr/bin/chromium');
const outDir = env('OUT_DIR');

const require = createRequire(join(webDir, 'package.json'));
const { chromium: launcher } = require('playwright-core');

const started = Date.now();
const log = (...args) => console.error(`[ui ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...args);
const check = (ok, message) => {
  if (!ok) throw new Error(message);
};

const result = { steps: [] };
const step = (name, extra = {}) => {
  result.steps.push({ name, ms: Date.now() - started, ...extra });
  log(name, Object.keys(extra).length ? JSON.stringify(extra) : '');
};
const pageErrors = [];
const consoleErrors = [];
const failedRequests = [];
const outside = [];

const profile = mkdtempSync(join(tmpdir(), 'tapedeck-ui-chromium-'));
let context;
let exitCode = 0;
try {
  context = await launcher.launchPersistentContext(profile, {
    executablePath: chromium,
    headless: true,
    viewport: { width: 1440, height: 900 },
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
  page.setDefaultTimeout(15000);
  page.on('pageerror', (err) => {
    pageErrors.push(String(err));
    log('page error:', err);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith(base + '/') && !u.startsWith('data:') && !u.startsWith('about:') && !u.startsWith('blob:')) outside.push(u);
  });
  page.on('response', (resp) => {
    if (resp.url().startsWith(base + '/') && resp.status() >= 400 && !resp.url().includes('/api/users/@me')) {
      failedRequests.push(`${resp.request().method()} ${resp.url().slice(base.length)} -> ${resp.status()}`);
    }
  });

  // 1. Signed out: the server sends the visitor to the sign-in page.
  const wanted = `/project/@current/replay`;
  await page.goto(base + wanted);
  const atLogin = new URL(page.url());
  check(atLogin.pathname === '/login', `a signed-out visit of ${wanted} ended at ${page.url()}, not /login`);
  check(atLogin.searchParams.get('next') === wanted, `/login got next=${atLogin.searchParams.get('next')}, want ${wanted}`);
  step('redirected to sign-in', { url: atLogin.pathname + atLogin.search });

  // 2. A wrong password is refused with a message.
  await page.fill('#email', email);
  await page.fill('#password', password + '-wrong');
  await page.click('button[type=submit]');
  await page.waitForSelector('.login-message .notice-error');
  const refusal = await page.textContent('.login-message');
  step('wrong password refused', { message: refusal });
  failedRequests.length = 0; // that 401 was expected

  // 3. Sign in; back to the page asked for, with the project's id.
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/project\/\d+\/replay$/);
  const listURL = new URL(page.url());
  const projectPath = listURL.pathname;
  step('signed in', { url: listURL.pathname });
  const cookies = await context.cookies(base);
  const session = cookies.find((c) => c.name === 'tapedeck_session');
  check(session && session.httpOnly, 'no HttpOnly tapedeck_session cookie after signing in');
  const visibleToScript = await page.evaluate(() => document.cookie);
  check(!visibleToScript.includes('tapedeck_session'), 'the session cookie is readable by scripts');

  // 4. The recording is in the list.
  const row = page.locator(`tr.recording-row[data-session-id="${sessionId}"]`);
  await row.waitFor();
  const rowText = (await row.innerText()).replace(/\s+/g, ' ');
  const rowUnviewed = await row.evaluate((el) => el.classList.contains('unviewed'));
  const rows = await page.locator('tr.recording-row').count();
  await page.screenshot({ path: join(outDir, 'ui-list.png') });
  step('recording listed', { rows, rowText, unviewed: rowUnviewed });

  // 5. Filters narrow the list and live in the address.
  await page.check('input[name=errors]');
  await page.waitForURL(/errors=1/);
  await row.waitFor();
  await page.fill('input[name=url]', 'no-such-page-anywhere');
  await page.press('input[name=url]', 'Enter');
  await page.waitForSelector('.empty-state');
  step('filters applied', { url: new URL(page.url()).search });

  // Saving the filters as a playlist: the server accepts them as universal
  // filters, and the playlist lists the recording.
  await page.fill('input[name=url]', 'shop');
  await page.fill('input[name=min_duration]', '1');
  await page.press('input[name=url]', 'Enter');
  await page.waitForURL(/url=shop/);
  await row.waitFor();
  await page.click('#save-playlist');
  await page.fill('dialog input[name=name]', 'Shop visits with errors');
  await page.click('dialog button[type=submit]');
  await page.waitForURL(/\/replay\/playlists\/[A-Za-z0-9]{8}$/);
  await page.locator(`tr.recording-row[data-session-id="${sessionId}"]`).waitFor();
  const savedSummary = (await page.textContent('.page-head + p')).trim();
  step('saved as a playlist', { url: new URL(page.url()).pathname, summary: savedSummary });

  await page.goto(base + projectPath);
  await row.waitFor();

  // 6. The player.
  await row.locator('a.person-link').click();
  await page.waitForURL(new RegExp(`/replay/${sessionId}$`));
  await page.waitForFunction((text) => {
    const frame = document.querySelector('.replayer-wrapper iframe');
    const body = frame && frame.contentDocument && frame.contentDocument.body;
    return Boolean(body && body.innerText.includes(text));
  }, pageText, { timeout: 20000 });
  const replayText = await page.evaluate(() => document.querySelector('.replayer-wrapper iframe').contentDocument.body.innerText);
  step('replay shows the page', { text: replayText.slice(0, 120) });

  const errorEntry = page.locator('.console-entry.level-error', { hasText: consoleError });
  await errorEntry.waitFor();
  const consoleTexts = await page.locator('.console-entry').allInnerTexts();
  step('console panel', { entries: consoleTexts.map((t) => t.replace(/\s+/g, ' ')) });
  const pages = await page.locator('.page-entry').allInnerTexts();
  step('pages panel', { pages: pages.map((t) => t.replace(/\s+/g, ' ')) });

  // Clicking the error seeks the replay to it: the clock shows its offset.
  const errorOffset = (await errorEntry.locator('.offset').innerText()).trim();
  await page.click('button.play[aria-label=Pause]').catch(() => {});
  await errorEntry.click();
  await page.waitForFunction((off) => document.querySelector('.time').textContent.startsWith(off), errorOffset);
  const clockAfterSeek = await page.textContent('.time');
  step('console entry seeks', { offset: errorOffset, clock: clockAfterSeek });

  // Opening the player marked the recording viewed.
  await page.waitForSelector('main[data-viewed=true]');
  step('marked viewed');

  // Add it to a new collection from the player.
  await page.selectOption('#panel-collections select', '+new');
  await page.fill('#panel-collections input', 'Checkout problems');
  await page.click('#panel-collections .add-collection .button');
  await page.locator('#panel-collections .collection-chips', { hasText: 'Checkout problems' }).waitFor();
  step('added to a collection');

  // Play on a little, then the screenshot of the player.
  await page.click('button.play[aria-label=Play]');
  await page.waitForTimeout(1500);
  await page.evaluate(() => { document.querySelector('.player-side').scrollTop = 0; });
  await page.screenshot({ path: join(outDir, 'ui-player.png') });
  step('player screenshot');

  // 7. The collection lists it; it opens in the player.
  await page.click('#panel-collections .collection-chips a');
  await page.waitForURL(/\/replay\/playlists\/[A-Za-z0-9]{8}$/);
  await page.locator(`tr.recording-row[data-session-id="${sessionId}"]`).waitFor();
  await page.screenshot({ path: join(outDir, 'ui-playlist.png') });
  step('collection lists the recording', { url: new URL(page.url()).pathname });

  // 8. Back in the list, the recording shows as viewed.
  await page.goto(base + projectPath);
  await row.waitFor();
  const viewedNow = await row.evaluate((el) => el.classList.contains('viewed'));
  check(viewedNow, 'the recording is not shown as viewed in the list after opening it');
  step('list shows viewed');

  // 9. Unknown ids get a clear message.
  await page.goto(`${base}${projectPath}/no-such-session`);
  await page.waitForSelector('.error-page');
  const notFound = (await page.textContent('.error-page h1')).trim();
  await page.goto(`${base}/project/987654/replay`);
  await page.waitForSelector('.error-page');
  const noProject = (await page.textContent('.error-page h1')).trim();
  step('not-found pages', { recording: notFound, project: noProject });
  failedRequests.splice(0, failedRequests.length, ...failedRequests.filter((r) => !/no-such-session|987654/.test(r)));

  // 10. Signing out.
  await page.goto(base + projectPath);
  await page.click('header .button', { hasText: 'Sign out' });
  await page.waitForURL(/\/login/);
  await page.goto(base + projectPath);
  check(new URL(page.url()).pathname === '/login', 'after signing out, a page is still served');
  step('signed out');

  Object.assign(result, {
    listURL: listURL.pathname,
    rowText,
    rowUnviewedBefore: rowUnviewed,
    replayText,
    consoleTexts,
    notFound,
    noProject,
    refusal,
    pageErrors,
    consoleErrors,
    failedRequests,
    outside,
    savedSummary,
    cspViolations: consoleErrors.filter((m) => /Content Security Policy/i.test(m)),
  });
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (err) {
  log('failed:', err && err.stack ? err.stack : err);
  log('page errors:', JSON.stringify(pageErrors), 'failed requests:', JSON.stringify(failedRequests));
  try {
    const p = context && context.pages()[0];
    if (p) {
      await p.screenshot({ path: join(outDir, 'ui-failure.png') });
      log('screenshot of the failure:', join(outDir, 'ui-failure.png'), 'at', p.url());
    }
  } catch {
    // no screenshot then
  }
  exitCode = 1;
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(exitCode);
