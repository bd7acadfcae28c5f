// Open an HTML file in Debian's chromium (headless, through playwright-core)
// and fail on anything a reader would notice: a console error or warning,
// an uncaught exception, a request that leaves the file (the report must be
// self-contained), a request that fails.  Then a full-page screenshot.
//   node render.cjs FILE.html OUT.png
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');

async function main(html, png) {
	const problems = [];
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update',
			'--disable-sync', '--disable-dev-shm-usage'],
	});
	try {
		const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
		page.on('console', (m) => {
			if (m.type() === 'error' || m.type() === 'warning')
				problems.push(`console ${m.type()}: ${m.text()}`);
		});
		page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
		page.on('request', (r) => {
			const u = r.url();
			if (!u.startsWith('file:') && !u.startsWith('data:') && !u.startsWith('about:'))
				problems.push(`request leaves the file: ${u}`);
		});
		page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
		await page.goto('file://' + path.resolve(html), { waitUntil: 'load' });
		const title = await page.title();
		const h1 = await page.locator('h1').first().textContent();
		const svgs = await page.locator('svg').count();
		await page.screenshot({ path: png, fullPage: true });
		console.log(`${html}: title "${title}", h1 "${h1}", ${svgs} svg`);
		await page.emulateMedia({ media: 'print' });
		await page.screenshot({ path: png.replace(/\.png$/, '-print.png'), fullPage: true });
	} finally {
		await browser.close();
	}
	for (const p of problems)
		console.log(p);
	return problems.length ? 1 : 0;
}

main(process.argv[2], process.argv[3]).then((rc) => process.exit(rc), (e) => {
	console.error(e && e.stack ? e.stack : String(e));
	process.exit(2);
});
