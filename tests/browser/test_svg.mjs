// Browser test of singe's interactive SVG flame graph, in headless chromium.
//
//   node tests/browser/test_svg.mjs        (from the repository root)
//
// Prints one line per check: "PASS name" or "FAIL name: why" (exit 0 either way; the runner
// counts lines), "SKIP browser: what is missing" when chromium or playwright-core is absent,
// and "FAIL browser: error" with a non-zero exit on an unexpected exception.
// The SVGs come from `./singe flame` when the binary exists (or $SINGE_BIN), else from the
// golden files tests/data/svg/{simple,hostile}.svg.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const CHROMIUM = "/usr/bin/chromium";
const FULL_WIDTH = 1180; // default width 1200 minus 2 * 10 px padding

function skip(what) {
	console.log(`SKIP browser: ${what}`);
	process.exit(0);
}

let results = 0;
function pass(name) {
	console.log(`PASS ${name}`);
	results++;
}
function fail(name, why) {
	console.log(`FAIL ${name}: ${String(why).replace(/\s+/g, " ").slice(0, 300)}`);
	results++;
}
function check(name, ok, why) {
	if (ok)
		pass(name);
	else
		fail(name, why);
}

// The names of a folded file's stacks (suffixes _[k] _[j] _[i] _[w] stripped, as singe does)
// and their counts: the expected search figures are computed from the input itself.
function readFolded(path) {
	const stacks = [];
	for (const line of readFileSync(path, "utf8").split("\n")) {
		const m = /^(.*) (\d+)$/.exec(line);
		if (!m)
			continue;
		const frames = m[1].split(";").map((f) => f.replace(/_\[[kjiw]\]$/, ""));
		stacks.push({ frames, count: Number(m[2]) });
	}
	return stacks;
}

// Percentage of samples whose stack has a frame matching re: the union of the matched frames'
// widths, each sample counted once however many of its frames match.
function expectedMatch(stacks, re) {
	let total = 0, matched = 0;
	for (const s of stacks) {
		total += s.count;
		if (s.frames.some((f) => re.test(f)))
			matched += s.count;
	}
	return (100 * matched / total).toFixed(1);
}

function makeSvg(input, golden, out, extra = []) {
	// SINGE_BIN picks another binary; a path that does not exist forces the golden files
	const singe = process.env.SINGE_BIN || join(root, "singe");
	if (existsSync(singe)) {
		try {
			execFileSync(singe, ["flame", ...extra, "-o", out, input], { stdio: "pipe" });
			return "singe";
		} catch (e) {
			// a broken `singe flame` must fail the test, not fall back to a golden file
			console.log(`FAIL singe-flame: ${e.message.split("\n")[0]}`);
			process.exit(1);
		}
	}
	copyFileSync(golden, out);
	return "golden";
}

async function main() {
	if (!existsSync(CHROMIUM))
		skip(`${CHROMIUM} not found (apt-get install chromium)`);
	let chromium;
	try {
		const require = createRequire(join(here, "package.json"));
		({ chromium } = require("playwright-core"));
	} catch (e) {
		skip("node_modules/playwright-core missing (cd tests/browser && npm ci)");
	}

	const tmp = mkdtempSync(join(tmpdir(), "singe-browser-"));
	const data = join(root, "tests/data/svg");
	const svgPath = join(tmp, "x.svg");
	const hostilePath = join(tmp, "hostile.svg");
	const source = makeSvg(join(data, "simple.folded"), join(data, "simple.svg"), svgPath);
	makeSvg(join(data, "hostile.folded"), join(data, "hostile.svg"), hostilePath);
	console.error(`SVGs from ${source} in ${tmp}`);
	const stacks = readFolded(join(data, "simple.folded"));

	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"],
	});
	try {
		const page = await browser.newPage({ viewport: { width: 1220, height: 260 } });
		const errors = [];
		page.on("console", (m) => {
			if (m.type() === "error")
				errors.push(m.text());
		});
		page.on("pageerror", (e) => errors.push(e.message));
		let answer = null;
		page.on("dialog", async (d) => {
			if (d.type() === "prompt" && answer !== null)
				await d.accept(answer);
			else
				await d.dismiss();
		});

		const url = pathToFileURL(svgPath).href;
		await page.goto(url, { waitUntil: "load" });

		// Everything the checks need about a frame, found by its name (first line of <title>).
		const frame = (name) => page.evaluate((name) => {
			for (const g of document.getElementById("frames").children) {
				const t = g.querySelector("title");
				if (!t || t.textContent.split("\n")[0] !== name)
					continue;
				const r = g.querySelector("rect"), txt = g.querySelector("text");
				return {
					x: parseFloat(r.getAttribute("x")), w: parseFloat(r.getAttribute("width")),
					fill: r.getAttribute("fill"), classes: g.getAttribute("class") || "",
					hidden: getComputedStyle(g).display === "none",
					opacity: getComputedStyle(g).opacity, text: txt ? txt.textContent : null,
				};
			}
			return null;
		}, name);
		const clickFrame = async (name) => {
			const idx = await page.evaluate((name) => Array.from(
				document.getElementById("frames").children).findIndex((g) =>
				g.querySelector("title").textContent.split("\n")[0] === name), name);
			await page.locator("#frames > g").nth(idx).locator("rect").click();
		};
		const text = (id) => page.evaluate((id) => {
			const e = document.getElementById(id);
			return { text: e.textContent, hidden: getComputedStyle(e).display === "none" };
		}, id);
		const search = async (term) => {
			answer = term;
			await page.keyboard.press("Control+f");
			answer = null;
			return text("matched");
		};

		// 1. it loads and draws frames, with no errors
		const nframes = await page.locator("#frames > g").count();
		check("loads", nframes === 16 && errors.length === 0,
			`${nframes} frames, errors: ${errors.join("; ")}`);

		// 2. hovering shows the details line
		const parse0 = await frame("parse");
		await clickFrame("all"); // zooming to the root changes nothing; the mouse is over it
		const hovered = await page.evaluate(() => document.getElementById("details").textContent);
		check("details-line", /^all \(145 samples, 100\.00%\)$/.test(hovered), hovered);

		// 3. clicking a frame zooms to it: full width, siblings hidden, ancestors dimmed
		await clickFrame("parse");
		const parse1 = await frame("parse"), render1 = await frame("render");
		const main1 = await frame("main"), token1 = await frame("read_token");
		const unzoom = await text("unzoom");
		check("zoom", Math.abs(parse1.w - FULL_WIDTH) < 1 && Math.abs(parse1.x - 10) < 0.5 &&
			render1.hidden && /parent/.test(main1.classes) && Math.abs(token1.w - FULL_WIDTH) < 1 &&
			!unzoom.hidden,
			JSON.stringify({ parse1, render1, main1, token1, unzoom }));
		check("zoom-relabels", token1.text === "read_token", token1.text);

		// 4. the zoom is in the URL, and reloading that URL restores it
		const zoomURL = page.url();
		const params = new URL(zoomURL).searchParams;
		check("zoom-url", params.has("x") && params.has("y"), zoomURL);
		await page.goto(zoomURL, { waitUntil: "load" });
		const parse2 = await frame("parse"), render2 = await frame("render");
		check("zoom-restored-from-url", Math.abs(parse2.w - FULL_WIDTH) < 1 && render2.hidden,
			JSON.stringify({ parse2, render2 }));

		// 5. Reset Zoom puts everything back
		await page.locator("#unzoom").click();
		const parse3 = await frame("parse"), render3 = await frame("render");
		check("reset-zoom", Math.abs(parse3.w - parse0.w) < 0.02 && !render3.hidden &&
			(await text("unzoom")).hidden && !new URL(page.url()).searchParams.has("x"),
			JSON.stringify({ parse3, parse0, url: page.url() }));

		// 6. search: highlights and the "Matched" figure computed from the input
		const m1 = await search("read_");
		const want1 = expectedMatch(stacks, /read_/);
		const token2 = await frame("read_token"), memchr2 = await frame("memchr");
		check("search-matched", m1.text === `Matched: ${want1}%` && !m1.hidden, `${m1.text} vs ${want1}`);
		check("search-highlight", token2.fill === "rgb(230,0,230)" && memchr2.fill !== "rgb(230,0,230)",
			JSON.stringify({ token2, memchr2 }));
		check("search-url", new URL(page.url()).searchParams.get("s") === "read_", page.url());

		// 7. overlapping matches are counted once (draw_frame contains ksys_write)
		const m2 = await search("draw|ksys|do_sys");
		const want2 = expectedMatch(stacks, /draw|ksys|do_sys/);
		check("search-no-double-count", m2.text === `Matched: ${want2}%`, `${m2.text} vs ${want2}`);

		// 8. case sensitivity: Ctrl-I and the "ic" button toggle it
		const m3 = await search("READ_");
		await page.locator("#ignorecase").click();
		const m4 = await text("matched");
		await page.keyboard.press("Control+i");
		const m5 = await text("matched");
		check("search-case-toggle", m3.text === "Matched: 0.0%" && m4.text === `Matched: ${want1}%` &&
			m5.text === "Matched: 0.0%", [m3.text, m4.text, m5.text].join(" / "));

		// 9. an invalid regex is searched as text, and nothing throws
		const m6 = await search("[unknown");
		const want6 = expectedMatch(stacks, /\[unknown/);
		check("search-invalid-regex", m6.text === `Matched: ${want6}%` && errors.length === 0,
			`${m6.text} vs ${want6}; ${errors.join("; ")}`);

		// 10. reloading with ?s= restores the search
		await page.goto(`${url}?s=read_`, { waitUntil: "load" });
		const m7 = await text("matched");
		check("search-restored-from-url", m7.text === `Matched: ${want1}%`, m7.text);

		// 11. Escape resets search and zoom
		await clickFrame("render");
		await page.keyboard.press("Escape");
		const m8 = await text("matched"), parse4 = await frame("parse");
		check("escape-resets", m8.hidden && !parse4.hidden && Math.abs(parse4.w - parse0.w) < 0.02,
			JSON.stringify({ m8, parse4 }));

		// 12. hostile URL parameters break nothing
		const before = errors.length;
		await page.goto(`${url}?x=1"]</svg><script>window.pwned=1</script>&y=a'&s=(((a*)*)*b`,
			{ waitUntil: "load" });
		const pw = await page.evaluate(() => typeof window.pwned);
		check("hostile-url", pw === "undefined" && errors.length === before,
			`pwned ${pw}; ${errors.slice(before).join("; ")}`);

		// screenshot for a person to look at: search highlight, a hovered frame
		await page.goto(`${url}?s=read_`, { waitUntil: "load" });
		const size = await page.evaluate(() => [document.documentElement.width.baseVal.value,
			document.documentElement.height.baseVal.value]);
		await page.setViewportSize({ width: Math.ceil(size[0]), height: Math.ceil(size[1]) });
		const box = await page.locator("#frames > g").nth(6).locator("rect").boundingBox();
		await page.mouse.move(box.x + 5, box.y + 5);
		mkdirSync(join(root, ".output"), { recursive: true });
		await page.screenshot({ path: join(root, ".output/flame-test.png") });

		// 13. hostile names run nothing and show as text
		const hp = await browser.newPage();
		const herrors = [];
		hp.on("console", (m) => {
			if (m.type() === "error")
				herrors.push(m.text());
		});
		hp.on("pageerror", (e) => herrors.push(e.message));
		hp.on("dialog", (d) => d.dismiss());
		await hp.goto(pathToFileURL(hostilePath).href, { waitUntil: "load" });
		await hp.waitForTimeout(200);
		const h = await hp.evaluate(() => ({
			pwned: typeof window.pwned,
			scripts: document.getElementsByTagName("script").length,
			imgs: document.getElementsByTagName("img").length,
			titles: Array.from(document.querySelectorAll("#frames title"), (t) => t.textContent.split("\n")[0]),
		}));
		check("hostile-names-inert", h.pwned === "undefined" && h.scripts === 1 && h.imgs === 0,
			JSON.stringify(h).slice(0, 300));
		check("hostile-names-shown", h.titles.includes("<script>window.pwned=1</script>") &&
			h.titles.includes("\"><img src=x onerror=window.pwned=1>"), h.titles.join(" | "));
		// hovering and searching the hostile names goes through textContent only
		await hp.locator("#frames > g").nth(2).hover();
		await hp.locator("#frames > g").nth(3).locator("rect").click();
		const h2 = await hp.evaluate(() => typeof window.pwned);
		check("hostile-no-console-errors", herrors.length === 0 && h2 === "undefined",
			herrors.join("; "));
	} finally {
		await browser.close();
		rmSync(tmp, { recursive: true, force: true });
	}
	if (!results)
		throw new Error("no checks ran");
}

main().catch((e) => {
	console.log(`FAIL browser: ${String(e && e.stack || e).replace(/\s+/g, " ").slice(0, 400)}`);
	process.exit(1);
});
