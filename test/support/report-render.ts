/// <reference lib="dom" />
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface RenderedReport {
  /** Inked (non-transparent) pixels per canvas. */
  painted: number[];
  consoleErrors: string[];
  /** Requests that left the file (an offline report makes none). */
  requests: string[];
  tieOut: string | null;
}

/** Opens report.html from disk in headless Chromium and waits until its charts say they are drawn. */
export async function renderReport(file: string, options: { screenshot?: string } = {}): Promise<RenderedReport> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    const requests: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests.push(request.url());
    });
    await page.goto(pathToFileURL(file).toString());
    await page.waitForFunction(() => document.body.dataset.chartsDrawn === '4');
    const painted = await page.$$eval('canvas', (canvases) =>
      canvases.map((canvas) => {
        const c = canvas;
        const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let inked = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
        return inked;
      }),
    );
    if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: true });
    return { painted, consoleErrors, requests, tieOut: await page.textContent('#tie-out') };
  } finally {
    await browser.close();
  }
}
