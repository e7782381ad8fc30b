// singe flame graph: the fixed script every interactive SVG embeds (svg.c writes it inside
// CDATA, so it must never contain two closing brackets followed by ">").
// It never receives data in its source: frame names are read from each frame's <title>
// (first line = name, the rest = figures) through textContent, layout numbers from data-*
// attributes; text is only ever written through textContent, never parsed as markup, and
// URL parameters are only parsed as numbers and search text.
// Edit this file, then run tests/data/regen.sh to regenerate svg_script.h and the goldens.
"use strict";
var svgns = "http://www.w3.org/2000/svg";
var frames = [], byG = new WeakMap();
var details, matchedtxt, unzoombtn, searchbtn, icbtn, fontsize, fontw, xpad, fullw, fh;
var zoomed = null, searchTerm = null, ignorecase = false;
// differential graphs: frames carry a second geometry (data-bx, data-bw) for the base shape
var shapebtn = null, baseShape = false;
var MAX_TERM = 1024;

function init(evt) {
	var g = document.getElementById("frames");
	details = document.getElementById("details");
	matchedtxt = document.getElementById("matched");
	unzoombtn = document.getElementById("unzoom");
	searchbtn = document.getElementById("search");
	icbtn = document.getElementById("ignorecase");
	fontsize = num(g.getAttribute("data-fontsize"), 12);
	fontw = num(g.getAttribute("data-fontwidth"), 0.59);
	xpad = num(g.getAttribute("data-xpad"), 10);
	fullw = num(g.getAttribute("data-width"), 1200) - 2 * xpad;
	fh = num(g.getAttribute("data-frameheight"), 16);
	loadFrames(g);
	g.addEventListener("click", function (e) {
		var f = frameOf(e.target);
		if (f) {
			zoom(f);
			updateURL();
		}
	});
	g.addEventListener("mouseover", function (e) {
		var f = frameOf(e.target);
		if (f)
			details.textContent = label(f);
	});
	g.addEventListener("mouseout", function (e) {
		details.textContent = " ";
	});
	unzoombtn.addEventListener("click", function () {
		unzoom();
		updateURL();
	});
	searchbtn.addEventListener("click", function () {
		if (searchTerm === null)
			searchPrompt();
		else
			resetSearch();
	});
	icbtn.addEventListener("click", toggleIgnoreCase);
	shapebtn = document.getElementById("shape");
	if (shapebtn)
		shapebtn.addEventListener("click", function () {
			setShape(!baseShape);
			updateURL();
		});
	window.addEventListener("keydown", onKey);
	restoreFromURL();
}

function num(s, dflt) {
	var v = parseFloat(s);
	return isFinite(v) ? v : dflt;
}

// Read every frame once: geometry, and its place in the tree. Frames come in depth-first
// order, so a frame's subtree is the run of frames after it that are deeper.
function loadFrames(root) {
	var stack = [], i, kids = root.children, rootY = null;
	for (i = 0; i < kids.length; i++) {
		var g = kids[i], rect = g.querySelector("rect");
		if (!rect)
			continue;
		var f = {
			g: g, rect: rect, text: g.querySelector("text"), title: g.querySelector("title"),
			x: num(rect.getAttribute("x"), 0), w: num(rect.getAttribute("width"), 0),
			y: num(rect.getAttribute("y"), 0), fill: rect.getAttribute("fill"),
			sx: rect.getAttribute("x"), sy: rect.getAttribute("y"),
			name: null, info: null, cps: null, idx: frames.length, end: frames.length,
			parent: null, state: "", cx: 0, cw: 0, hl: false
		};
		f.cx = f.x;
		f.cw = f.w;
		var bx = rect.getAttribute("data-bx");
		f.hx = f.x;
		f.hw = f.w;
		f.hsx = f.sx;
		f.bx = bx === null ? f.x : num(bx, 0);
		f.bw = bx === null ? f.w : num(rect.getAttribute("data-bw"), 0);
		f.bsx = bx === null ? f.sx : bx;
		if (g.classList.contains("hide"))
			f.state = "hide";
		if (rootY === null)
			rootY = f.y;
		var depth = Math.round(Math.abs(f.y - rootY) / fh);
		while (stack.length > depth)
			stack.pop().end = frames.length - 1;
		f.parent = stack.length ? stack[stack.length - 1] : null;
		stack.push(f);
		frames.push(f);
		byG.set(g, f);
	}
	while (stack.length)
		stack.pop().end = frames.length - 1;
}

function frameOf(el) {
	while (el && el.parentNode && el.parentNode.id !== "frames")
		el = el.parentNode;
	return el ? byG.get(el) || null : null;
}

function parseTitle(f) {
	if (f.name !== null)
		return;
	var t = f.title ? f.title.textContent : "", nl = t.indexOf("\n");
	f.name = nl < 0 ? t : t.slice(0, nl);
	f.info = nl < 0 ? "" : t.slice(nl + 1).replace(/\n/g, "; ");
}

function label(f) {
	parseTitle(f);
	return f.info ? f.name + " (" + f.info + ")" : f.name;
}

// Fit a name into w pixels the way the renderer does: whole code points, ".." when cut.
function fitText(f, w) {
	var chars = Math.floor(w / (fontsize * fontw));
	if (chars < 3)
		return "";
	parseTitle(f);
	// a UTF-16 length within the budget means the code points are too
	if (f.name.length <= chars)
		return f.name;
	if (!f.cps)
		f.cps = Array.from(f.name);
	if (f.cps.length <= chars)
		return f.name;
	return f.cps.slice(0, chars - 2).join("") + "..";
}

// Move a frame; DOM writes only for what changed (they are what makes big graphs slow).
function place(f, x, w) {
	if (f.cx === x && f.cw === w)
		return;
	f.cx = x;
	f.cw = w;
	f.rect.setAttribute("x", x.toFixed(2));
	f.rect.setAttribute("width", w.toFixed(2));
	var s = fitText(f, w);
	if (!f.text) {
		if (!s)
			return;
		f.text = document.createElementNS(svgns, "text");
		f.text.setAttribute("y", (f.y + (fh - 1) / 2 + fontsize / 4).toFixed(2));
		f.g.appendChild(f.text);
	}
	f.text.setAttribute("x", (x + 3).toFixed(2));
	if (f.text.textContent !== s)
		f.text.textContent = s;
}

// state: "" (normal), "parent" (an ancestor of the zoomed frame) or "hide"
function setState(f, state) {
	if (f.state === state)
		return;
	if (f.state)
		f.g.classList.remove(f.state);
	if (state)
		f.g.classList.add(state);
	f.state = state;
}

function zoom(f) {
	var i, ratio = fullw / f.w, anc = new Set();
	for (var p = f.parent; p; p = p.parent)
		anc.add(p);
	for (i = 0; i < frames.length; i++) {
		var e = frames[i];
		if (anc.has(e)) {
			setState(e, "parent");
			place(e, xpad, fullw);
		} else if (i >= f.idx && i <= f.end) {
			setState(e, e.w > 0 ? "" : "hide");
			place(e, xpad + (e.x - f.x) * ratio, e.w * ratio);
		} else {
			setState(e, "hide");
		}
	}
	zoomed = f.parent ? f : null;
	if (zoomed)
		unzoombtn.classList.remove("hide");
	else
		unzoombtn.classList.add("hide");
}

function unzoom() {
	for (var i = 0; i < frames.length; i++) {
		var e = frames[i];
		setState(e, e.w > 0 ? "" : "hide");
		place(e, e.x, e.w);
	}
	zoomed = null;
	unzoombtn.classList.add("hide");
}

// Differential graphs: show the frames with the base's widths (vanished paths appear, new
// ones go) or the head's. A zoom and a search survive the switch when they still apply.
function setShape(base) {
	if (!shapebtn)
		return;
	baseShape = base;
	for (var i = 0; i < frames.length; i++) {
		var f = frames[i];
		f.x = base ? f.bx : f.hx;
		f.w = base ? f.bw : f.hw;
		f.sx = base ? f.bsx : f.hsx;
	}
	shapebtn.textContent = shapebtn.getAttribute(base ? "data-base" : "data-head") || "";
	var z = zoomed;
	unzoom();
	if (z && z.w > 0)
		zoom(z);
	if (searchTerm !== null)
		search(searchTerm);
}

function escapeRegExp(s) {
	return s.replace(/[.*+?^${}()|[\]\\\/-]/g, "\\$&");
}

function compile(term) {
	var flags = ignorecase ? "i" : "";
	try {
		return new RegExp(term, flags);
	} catch (e) {
		// not a valid regular expression: search for the text itself
		return new RegExp(escapeRegExp(term), flags);
	}
}

function search(term) {
	term = String(term).slice(0, MAX_TERM);
	if (!term) {
		resetSearch();
		return;
	}
	var re = compile(term), i, sum = 0, coveredTo = -1, root = frames[0];
	searchTerm = term;
	for (i = 0; i < frames.length; i++) {
		var f = frames[i];
		parseTitle(f);
		var hit = f.parent !== null && re.test(f.name);
		highlight(f, hit);
		// a match inside a counted match is already part of its width
		if (hit && i > coveredTo) {
			sum += f.w;
			coveredTo = f.end;
		}
	}
	searchbtn.classList.add("show");
	searchbtn.textContent = "Reset Search";
	var pct = root && root.w > 0 ? 100 * sum / root.w : 0;
	matchedtxt.textContent = "Matched: " + pct.toFixed(1) + "%";
	matchedtxt.classList.remove("hide");
}

function highlight(f, on) {
	if (!f.hl === !on)
		return;
	f.hl = on;
	f.rect.setAttribute("fill", on ? "rgb(230,0,230)" : f.fill);
}

function resetSearch() {
	searchTerm = null;
	for (var i = 0; i < frames.length; i++)
		highlight(frames[i], false);
	searchbtn.classList.remove("show");
	searchbtn.textContent = "Search";
	matchedtxt.classList.add("hide");
	updateURL();
}

function searchPrompt() {
	var term = window.prompt("Enter a search term (regexp allowed, eg: ^ext4_)" +
		(ignorecase ? ", ignoring case" : "") +
		"\nPress Ctrl-i to toggle case sensitivity", searchTerm || "");
	if (term !== null) {
		search(term);
		updateURL();
	}
}

function toggleIgnoreCase() {
	ignorecase = !ignorecase;
	if (ignorecase)
		icbtn.classList.add("show");
	else
		icbtn.classList.remove("show");
	if (searchTerm !== null)
		search(searchTerm);
	updateURL();
}

function onKey(e) {
	if (e.keyCode === 114 || (e.ctrlKey && e.keyCode === 70)) {
		e.preventDefault();
		searchPrompt();
	} else if (e.ctrlKey && e.keyCode === 73) {
		e.preventDefault();
		toggleIgnoreCase();
	} else if (e.key === "Escape") {
		resetSearch();
		unzoom();
		updateURL();
	}
}

function updateURL() {
	try {
		var params = new URLSearchParams(window.location.search);
		params.delete("x");
		params.delete("y");
		params.delete("s");
		params.delete("i");
		params.delete("b");
		if (baseShape)
			params.set("b", "1");
		if (zoomed) {
			params.set("x", zoomed.sx);
			params.set("y", zoomed.sy);
		}
		if (searchTerm !== null)
			params.set("s", searchTerm);
		if (ignorecase)
			params.set("i", "1");
		var q = params.toString();
		history.replaceState(null, "", q ? "?" + q : window.location.pathname);
	} catch (e) {
		// some viewers forbid changing the URL (file: origins, sandboxes): state just stays
	}
}

// The URL only ever selects an existing frame by number or sets a search term: it is
// parsed as numbers and text, never used as a selector or as markup.
function restoreFromURL() {
	var params;
	try {
		params = new URLSearchParams(window.location.search);
	} catch (e) {
		return;
	}
	if (params.get("i") === "1") {
		ignorecase = true;
		icbtn.classList.add("show");
	}
	if (params.get("b") === "1")
		setShape(true);
	var x = parseFloat(params.get("x")), y = parseFloat(params.get("y"));
	if (isFinite(x) && isFinite(y)) {
		for (var i = 0; i < frames.length; i++) {
			if (Math.abs(frames[i].x - x) < 0.005 && Math.abs(frames[i].y - y) < 0.005) {
				zoom(frames[i]);
				break;
			}
		}
	}
	var s = params.get("s");
	if (s)
		search(s);
}
