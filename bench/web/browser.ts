import type { Browser, Page } from 'playwright-core';

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
