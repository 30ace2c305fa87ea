import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { FakeDiscogs, fakeItemIds, REPO_ROOT, TestJwtIssuer } from '@libs/testing';
import type { Client } from 'pg';
import {
  startInProcess,
  storedItems,
  syncEnv,
  testDb,
  testUser,
  type InProcessApp,
} from './sync-harness';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the /sync/ page in headless Chromium', () => {
  let issuer: TestJwtIssuer;
  let discogs: FakeDiscogs;
  let app: InProcessApp;
  let db: Client;
  let browser: BrowserContext;
  let profile: string;
  const user = testUser(900);

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh`);
    issuer = await TestJwtIssuer.start();
    discogs = await FakeDiscogs.start({ users: [user.discogs], limit: 4, windowMs: 1_000 });
    app = await startInProcess(
      syncEnv(issuer, {
        SYNC_RATE_LIMIT: '4',
        SYNC_RATE_WINDOW_MS: '1000',
        SYNC_DEMO_DISCOGS_BASE_URL: discogs.origin,
      }),
    );
    db = await testDb();
    profile = mkdtempSync(join(tmpdir(), 'portico-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 900, height: 760 },
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await app?.close();
    await Promise.all([discogs?.close(), issuer?.close(), db?.end()]);
  });

  it('runs a collection sync to 100 % with live progress', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on(
      'console',
      (m) => m.type() === 'error' && problems.push(`${m.text()} ${m.location().url}`),
    );
    page.on('pageerror', (e) => problems.push(e.message));
    const token = await issuer.sign(user.userId);
    await page.goto(`${app.url}/sync/#access_token=${token}`);
    await page.fill('#discogs-token', user.discogs.token);
    await page.selectOption('#sync-type', 'collection');
    await page.click('#start');

    await page.waitForSelector('#status[data-status="in_progress"]');
    await page.locator('#eta', { hasText: /^about .* left/ }).waitFor();
    const midway = Number(await page.getAttribute('#progress-bar', 'aria-valuenow'));
    expect(await page.textContent('#action')).toMatch(
      /^(Processing page \d of 9|Waiting for the Discogs rate limit)/,
    );
    mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'tmp/sync-page-running.png'), fullPage: true });
    await page.waitForSelector('#progress-bar[aria-valuenow="100"]', { timeout: 20_000 });
    await page.waitForSelector('#status[data-status="completed"]');
    expect(midway).toBeLessThan(100);
    expect(await page.textContent('#items')).toBe('900 of 900 items');
    expect(await page.textContent('#messages')).toContain('Synced 900 items');
    expect(page.url()).toBe(`${app.url}/sync/`); // the token left the address bar

    await page.screenshot({ path: join(REPO_ROOT, 'tmp/sync-page.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(await storedItems(db, user.userId, 'collection')).toEqual(
      fakeItemIds(user.discogs, 'releases'),
    );
  }, 60_000);
});
