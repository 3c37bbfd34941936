// The landing page and the live view in a real browser (Debian's headless Chromium, driven by playwright-core):
// create a sandbox by clicking, open the live view, scale an RC through the API and watch the pods appear
// without a reload. A screenshot goes to test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { httpsRequest, startServer } from './harness.mjs';

const ARTIFACTS = join(import.meta.dirname, 'artifacts');
let server;
let browser;

before(async () => {
  server = await startServer();
  // Never a downloaded browser: the system's Chromium (apt package "chromium").
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const rc = (replicas) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'web' },
    spec: { replicas, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });

describe('live view in a browser', () => {
  it('creates a sandbox from the landing page and draws an RC scaling from 2 to 4 without a reload', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.origin}/`);
    await page.getByRole('button', { name: 'Create a sandbox' }).click();
    await page.locator('#kubeconfig').filter({ hasText: 'apiVersion: v1' }).waitFor();
    const kubeconfig = await page.locator('#kubeconfig').textContent();
    const token = (await page.locator('#token').textContent()).trim();
    const apiServer = /server: (\S+)/.exec(kubeconfig)[1];
    assert.equal(/token: (\S+)/.exec(kubeconfig)[1], token);

    // The embed snippet: a viewer token's iframe.
    await page.getByRole('button', { name: 'Create a viewer token' }).click();
    await page.locator('#embed-box').waitFor();
    assert.match(await page.locator('#embed').inputValue(), /^<iframe src="https:\/\/127\.0\.0\.1:\d+\/clusters\/[a-z2-7]{16}\/ui\?token=/);

    const href = await page.locator('#live-link').getAttribute('href');
    await page.goto(`${server.origin}${href}`);
    await page.locator('#conn[data-state="open"]').waitFor();
    await page.locator('.node h3').first().waitFor();
    // A reload would drop this marker.
    await page.evaluate(() => (window.__sameDocument = true));

    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await httpsRequest(`${apiServer}/api/v1/namespaces/default/replicationcontrollers`, { method: 'POST', headers: auth, body: rc(2) });
    assert.equal(created.status, 201, created.body);
    await page.locator('.pod[data-name^="web-"]').nth(1).waitFor();
    const scaled = await httpsRequest(`${apiServer}/api/v1/namespaces/default/replicationcontrollers/web/scale`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { replicas: 4 } }),
    });
    assert.equal(scaled.status, 200, scaled.body);
    await page.locator('.pod[data-name^="web-"][data-phase="Running"]').nth(3).waitFor();
    assert.equal(await page.locator('.pod[data-name^="web-"]').count(), 4);
    await page.locator('#controllers li[data-name="web"] .count', { hasText: '4/4' }).waitFor();
    assert.equal(await page.evaluate(() => window.__sameDocument), true);

    // One screen: the page itself never scrolls (it lives in iframes).
    const scroll = await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight);
    assert.equal(scroll, true);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'live-view.png') });
    await context.close();
  });

  it('serves the page frameable, and shows the token form without a token', async () => {
    const r = await httpsRequest(`${server.origin}/clusters/aaaaaaaaaaaaaaaa/ui`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-security-policy'], 'frame-ancestors *');
    assert.equal(r.headers['x-frame-options'], undefined);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${server.origin}/clusters/aaaaaaaaaaaaaaaa/ui`);
    await page.locator('#token-form').waitFor();
    await context.close();
  });
});
