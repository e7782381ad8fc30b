// Browser test of singe's pause timeline (singe record -t pause --timeline), in headless
// chromium: it loads with no console errors, has one mark per pause the recording counted,
// hovering a mark, a GC cycle or a heatmap cell shows its details, and the heatmap counts
// every pause.
//
//   node tests/browser/test_timeline.mjs        (from the repository root, as root)
//
// The timeline is recorded from the Go example examples/go/pause (built with the first Go on
// PATH, else /usr/lib/go-1.22) by $SINGE_BIN, else ./singe. Prints "PASS name" / "FAIL name:
// why" lines; "SKIP browser-timeline: ..." when chromium, playwright-core, Go, the singe
// binary or root is missing (a failure under CI=true, as every skip).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const CHROMIUM = "/usr/bin/chromium";

let results = 0;
function check(name, ok, why) {
	console.log(ok ? `PASS ${name}` : `FAIL ${name}: ${String(why).replace(/\s+/g, " ").slice(0, 300)}`);
	results++;
}
function skip(what) {
	console.log(`SKIP browser-timeline: ${what}`);
	process.exit(0);
}

function goPath() {
	const env = { ...process.env };
	try {
		execFileSync("go", ["version"], { stdio: "pipe" });
	} catch (e) {
		if (!existsSync("/usr/lib/go-1.22/bin/go"))
			skip("no Go toolchain (make deps)");
		env.PATH = `/usr/lib/go-1.22/bin:${env.PATH}`;
	}
	return env;
}

// Record the Go example's pauses: the timeline SVG and the summary singe printed.
function record(tmp) {
	const singe = process.env.SINGE_BIN || join(root, "singe");
	if (!existsSync(singe))
		skip(`${singe} not built (make build)`);
	if (process.getuid && process.getuid() !== 0)
		skip("recording needs root");
	const env = goPath();
	execFileSync("bash", [join(root, "examples/go/build.sh"), tmp, "pause"],
		{ stdio: "pipe", env: { ...env, NOPIE: "1" } });
	const svg = join(tmp, "pause.svg");
	const out = execFileSync(singe, ["record", "-t", "pause", "-o", join(tmp, "pause.pb.gz"),
		"--timeline", svg, "--", join(tmp, "pause"), "-rounds", "200", "-delay", "1s"],
	{ stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
	return { svg, out };
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
	const tmp = mkdtempSync(join(tmpdir(), "singe-timeline-"));
	let svg;
	try {
		// the summary: "singe: pause: go: KIND: N pauses, ..." per kind
		const { svg: path } = record(tmp);
		svg = path;
	} catch (e) {
		check("record", false, String(e.stderr || e.message));
		rmSync(tmp, { recursive: true, force: true });
		return;
	}
	const text = readFileSync(svg, "utf8");
	const subtitle = /(\d+) pauses?, [0-9.]+ ms in all/.exec(text);
	const npauses = subtitle ? Number(subtitle[1]) : -1;

	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"],
	});
	try {
		const page = await browser.newPage({ viewport: { width: 1220, height: 700 } });
		const errors = [];
		page.on("console", (m) => {
			if (m.type() === "error")
				errors.push(m.text());
		});
		page.on("pageerror", (e) => errors.push(e.message));
		const requests = [];
		page.on("request", (r) => {
			if (!r.url().startsWith("file:"))
				requests.push(r.url());
		});
		await page.goto(pathToFileURL(svg).href, { waitUntil: "load" });

		// 1. it loads: marks, cycles and heatmap cells drawn; no errors, nothing fetched
		const counts = await page.evaluate(() => ({
			marks: document.querySelectorAll("#marks .mark").length,
			cycles: document.querySelectorAll("#cycles .cycle").length,
			cells: document.querySelectorAll("#heatmap .cell").length,
			scripts: document.getElementsByTagName("script").length,
		}));
		check("loads", errors.length === 0 && requests.length === 0 && counts.scripts === 1,
			`errors: ${errors.join("; ")}; requests: ${requests.join(" ")}`);
		check("one-mark-per-pause", npauses > 10 && counts.marks === npauses,
			`${counts.marks} marks, subtitle says ${npauses} pauses`);
		check("gc-cycles-marked", counts.cycles > 5 && counts.cycles <= npauses / 2 + 1,
			`${counts.cycles} cycle bars for ${npauses} pauses`);

		// 2. the heatmap counts every pause: the sum over its cells' titles
		const heatSum = await page.evaluate(() => Array.from(
			document.querySelectorAll("#heatmap .cell title"),
			(t) => Number(/: (\d+) pauses? of /.exec(t.textContent)[1])).reduce((a, b) => a + b, 0));
		check("heatmap-counts-every-pause", counts.cells > 0 && heatSum === npauses,
			`${counts.cells} cells counting ${heatSum}, ${npauses} pauses`);

		// 3. hovering shows an element's details: what is under the mouse, in the details line
		const hoverCheck = async (name, selector, re) => {
			const el = page.locator(selector);
			const box = await el.boundingBox();
			if (!box)
				return check(name, false, `${selector}: not drawn`);
			const x = box.x + box.width / 2, y = box.y + box.height - 1;
			await page.mouse.move(x, y);
			const r = await page.evaluate(([x, y]) => {
				const e = document.elementFromPoint(x, y);
				const t = e && e.querySelector("title");
				return {
					details: document.getElementById("details").textContent,
					title: t ? t.textContent.replace(/\n/g, " \u00b7 ") : null,
				};
			}, [x, y]);
			check(name, r.title !== null && r.details === r.title && re.test(r.details),
				`details '${r.details}', under the mouse '${r.title}'`);
		};
		// the longest pause: the tallest mark
		const tallest = await page.evaluate(() => {
			let best = 0, h = -1;
			document.querySelectorAll("#marks .mark").forEach((m, i) => {
				const mh = parseFloat(m.getAttribute("height"));
				if (mh > h) {
					h = mh;
					best = i;
				}
			});
			return best;
		});
		await hoverCheck("hover-mark", `#marks .mark >> nth=${tallest}`,
			/^go: [A-Za-z ]+ \u00b7 start \d+\.\d{6} s, duration [0-9.]+ [nmu]?s( \u00b7 gc cycle \d+)?, pid \d+$/);
		await hoverCheck("hover-cycle", "#cycles .cycle >> nth=0",
			/^gc cycle \d+, pid \d+ \u00b7 \d+ pauses? from \d+\.\d+ s to \d+\.\d+ s/);
		await hoverCheck("hover-heatmap-cell", "#heatmap .cell >> nth=0",
			/^\d+\.\d{3} s to \d+\.\d{3} s: \d+ pauses? of .+ to .+$/);
		// moving off clears it
		await page.mouse.move(2, 2);
		const cleared = await page.evaluate(() => document.getElementById("details").textContent);
		check("details-cleared", cleared.trim() === "", `'${cleared}'`);
		check("no-console-errors", errors.length === 0, errors.join("; "));
		await page.screenshot({ path: join(tmpdir(), "singe-timeline.png") });
	} finally {
		await browser.close();
		rmSync(tmp, { recursive: true, force: true });
	}
	if (!results)
		throw new Error("no checks ran");
}

main().catch((e) => {
	console.log(`FAIL browser-timeline: ${String(e && e.stack || e).replace(/\s+/g, " ").slice(0, 400)}`);
	process.exit(1);
});
