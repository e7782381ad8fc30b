// Browser test of singe's differential SVG (singe diff -o), in headless chromium:
// the head/base shape toggle, zoom in the base shape, the URL state.
//
//   node tests/browser/test_diff_svg.mjs        (from the repository root)
//
// Prints "PASS name" / "FAIL name: why" lines, "SKIP browser-diff: ..." when chromium,
// playwright-core or the singe binary ($SINGE_BIN, else ./singe) is missing.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const CHROMIUM = "/usr/bin/chromium";
const FULL_WIDTH = 1180;

let results = 0;
function check(name, ok, why) {
	console.log(ok ? `PASS ${name}` : `FAIL ${name}: ${String(why).replace(/\s+/g, " ").slice(0, 300)}`);
	results++;
}
function skip(what) {
	console.log(`SKIP browser-diff: ${what}`);
	process.exit(0);
}

async function main() {
	const singe = process.env.SINGE_BIN || join(root, "singe");
	if (!existsSync(CHROMIUM))
		skip(`${CHROMIUM} not found (apt-get install chromium)`);
	if (!existsSync(singe))
		skip(`${singe} not built (make)`);
	let chromium;
	try {
		const require = createRequire(join(here, "package.json"));
		({ chromium } = require("playwright-core"));
	} catch (e) {
		skip("node_modules/playwright-core missing (cd tests/browser && npm ci)");
	}
	const tmp = mkdtempSync(join(tmpdir(), "singe-browser-diff-"));
	writeFileSync(join(tmp, "base.folded"), "main;work;hot 2000\nmain;work;cold 3000\n" +
		"main;parse 3000\nmain;old_path 500\nmain;io;read 1500\n");
	writeFileSync(join(tmp, "head.folded"), "main;work;hot 3000\nmain;work;cold 3000\n" +
		"main;parse 3000\nmain;new_path 400\nmain;io;read 1500\n");
	const svg = join(tmp, "d.svg");
	try {
		execFileSync(singe, ["diff", "-q", "--dispersion", "1", "-o", svg,
			join(tmp, "base.folded"), join(tmp, "head.folded")], { stdio: "pipe" });
	} catch (e) {
		if (e.status !== 1) { // 1: the regression this input has
			check("singe-diff", false, e.message);
			process.exit(1);
		}
	}
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"],
	});
	try {
		const page = await browser.newPage({ viewport: { width: 1220, height: 260 } });
		const errors = [];
		page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
		page.on("pageerror", (e) => errors.push(e.message));
		await page.goto(pathToFileURL(svg).href, { waitUntil: "load" });
		const frame = (name) => page.evaluate((name) => {
			for (const g of document.getElementById("frames").children) {
				const t = g.querySelector("title");
				if (!t || t.textContent.split("\n")[0] !== name)
					continue;
				const r = g.querySelector("rect"), txt = g.querySelector("text");
				return { x: parseFloat(r.getAttribute("x")), w: parseFloat(r.getAttribute("width")),
					hidden: getComputedStyle(g).display === "none", text: txt ? txt.textContent : null };
			}
			return null;
		}, name);
		const clickFrame = async (name) => {
			const idx = await page.evaluate((name) => Array.from(
				document.getElementById("frames").children).findIndex((g) =>
				g.querySelector("title").textContent.split("\n")[0] === name), name);
			await page.locator("#frames > g").nth(idx).locator("rect").click();
		};
		const button = () => page.evaluate(() => document.getElementById("shape").textContent);

		const old0 = await frame("old_path"), new0 = await frame("new_path"), hot0 = await frame("hot");
		check("diff-head-shape", old0.hidden && !new0.hidden && Math.abs(hot0.w - 324.77) < 0.02 &&
			errors.length === 0, JSON.stringify({ old0, new0, hot0, errors }));

		await page.locator("#shape").click();
		const old1 = await frame("old_path"), new1 = await frame("new_path"), hot1 = await frame("hot");
		check("diff-base-shape", !old1.hidden && Math.abs(old1.w - 59) < 0.02 && old1.text === "old_path" &&
			new1.hidden && Math.abs(hot1.w - 236) < 0.02 && /base/.test(await button()) &&
			new URL(page.url()).searchParams.get("b") === "1",
			JSON.stringify({ old1, new1, hot1, url: page.url() }));

		await clickFrame("work");
		const work2 = await frame("work"), old2 = await frame("old_path");
		check("diff-zoom-in-base-shape", Math.abs(work2.w - FULL_WIDTH) < 1 && old2.hidden,
			JSON.stringify({ work2, old2 }));

		// reload: base shape and zoom come back from the URL
		await page.goto(page.url(), { waitUntil: "load" });
		const work3 = await frame("work"), hot3 = await frame("hot");
		check("diff-state-restored-from-url", Math.abs(work3.w - FULL_WIDTH) < 1 &&
			/base/.test(await button()), JSON.stringify({ work3, hot3, url: page.url() }));

		await page.locator("#unzoom").click();
		await page.locator("#shape").click();
		const old4 = await frame("old_path"), hot4 = await frame("hot");
		check("diff-back-to-head-shape", old4.hidden && Math.abs(hot4.w - 324.77) < 0.02 &&
			!new URL(page.url()).searchParams.has("b") && errors.length === 0,
			JSON.stringify({ old4, hot4, url: page.url(), errors }));
	} finally {
		await browser.close();
		rmSync(tmp, { recursive: true, force: true });
	}
	if (!results)
		throw new Error("no checks ran");
}

main().catch((e) => {
	console.log(`FAIL browser-diff: ${String(e && e.stack || e).replace(/\s+/g, " ").slice(0, 400)}`);
	process.exit(1);
});
