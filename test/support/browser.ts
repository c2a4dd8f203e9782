import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium for real-browser tests. playwright-core ships no browser: it drives the system one
 * (CHROMIUM_PATH, else /usr/bin/chromium). The flags keep it offline and quiet in containers and CI.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
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
