import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Signs the tab in (the key goes where the sign-in form puts it) and watches the main thread. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript({
    content: `
      sessionStorage.setItem('cft.apiKey', 'bench-key');
      window.__bench = { longTasks: [], events: [], stallMs: 0, frames: 0, watching: false };
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (window.__bench.watching) window.__bench.longTasks.push(entry.duration);
      }).observe({ type: 'longtask', buffered: true });
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (window.__bench.watching) window.__bench.events.push(entry.duration);
      }).observe({ type: 'event', durationThreshold: 16, buffered: true });
      let expected = performance.now() + 10;
      setInterval(() => {
        const now = performance.now();
        if (window.__bench.watching) window.__bench.stallMs = Math.max(window.__bench.stallMs, now - expected);
        expected = now + 10;
      }, 10);
      const frame = () => { if (window.__bench.watching) window.__bench.frames += 1; requestAnimationFrame(frame); };
      requestAnimationFrame(frame);
    `,
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.stack ?? error.message}`));
  page.on(
    'console',
    (message) => message.type() === 'error' && console.error(`console error: ${message.text()}`),
  );
  return page;
}
