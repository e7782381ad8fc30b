// SPDX-License-Identifier: MIT
// Decode a pprof with an independent reader (the npm package pprof-format, not singe's own
// decoder), check that every index in it resolves, and print what it holds as one JSON line:
//   {"sample_types": ["samples/count", ...], "default_sample_type": "cpu", "totals": [...],
//    "samples": N, "comm_totals": {"bash": N}, "comm_pid_totals": {"bash-12": N},
//    "problems": [...]}
// (the per-process totals are of the first sample type, by the comm and pid labels)
// Exit 1 when a problem was found. usage: node tests/browser/pprof_check.mjs FILE.pb.gz
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

const raw = readFileSync(process.argv[2]);
const bytes = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
const prof = Profile.decode(bytes);
const strings = prof.stringTable.strings;
const problems = [];
const num = (v) => Number(v ?? 0);

function str(idx, what) {
	const i = num(idx);
	if (!Number.isInteger(i) || i < 0 || i >= strings.length) {
		problems.push(`${what}: string ${i} of ${strings.length}`);
		return '';
	}
	return strings[i];
}

if (strings[0] !== '') problems.push('string 0 is not ""');
const types = prof.sampleType.map((t, i) => `${str(t.type, `sample type ${i}`)}/${str(t.unit, `unit ${i}`)}`);
const functions = new Map(), locations = new Map(), mappings = new Map();
for (const m of prof.mapping) {
	mappings.set(num(m.id), m);
	str(m.filename, `mapping ${m.id} file`);
	str(m.buildId, `mapping ${m.id} build id`);
}
for (const f of prof.function) {
	functions.set(num(f.id), f);
	str(f.name, `function ${f.id} name`);
	str(f.systemName, `function ${f.id} system name`);
	str(f.filename, `function ${f.id} file`);
}
for (const l of prof.location) {
	locations.set(num(l.id), l);
	if (num(l.mappingId) && !mappings.has(num(l.mappingId)))
		problems.push(`location ${l.id}: no mapping ${l.mappingId}`);
	for (const line of l.line)
		if (!functions.has(num(line.functionId)))
			problems.push(`location ${l.id}: no function ${line.functionId}`);
}
const totals = types.map(() => 0n);
const commTotals = {}, commPidTotals = {};
function addTo(map, key, v) { map[key] = String(BigInt(map[key] ?? 0) + v); }
for (const [i, s] of prof.sample.entries()) {
	if (s.value.length !== types.length)
		problems.push(`sample ${i}: ${s.value.length} values for ${types.length} types`);
	for (const id of s.locationId)
		if (!locations.has(num(id))) problems.push(`sample ${i}: no location ${id}`);
	let comm, pid;
	for (const l of s.label) {
		const key = str(l.key, `sample ${i} label key`), v = str(l.str, `sample ${i} label value`);
		str(l.numUnit, `sample ${i} label unit`);
		if (key === 'comm' && num(l.str)) comm = v;
		if (key === 'pid' && !num(l.str)) pid = num(l.num);
	}
	if (comm !== undefined && s.value.length) {
		addTo(commTotals, comm, BigInt(s.value[0]));
		addTo(commPidTotals, pid === undefined ? comm : `${comm}-${pid}`, BigInt(s.value[0]));
	}
	s.value.forEach((v, k) => { if (k < totals.length) totals[k] += BigInt(v); });
}
prof.comment.forEach((c, i) => str(c, `comment ${i}`));
for (const f of ['dropFrames', 'keepFrames', 'docUrl', 'defaultSampleType']) str(prof[f], f);
if (prof.periodType) str(prof.periodType.type, 'period type'), str(prof.periodType.unit, 'period unit');
const def = str(prof.defaultSampleType, 'default sample type');
if (def && !types.some((t) => t.startsWith(`${def}/`)))
	problems.push(`default sample type ${def} is not one of ${types.join(', ')}`);
console.log(JSON.stringify({
	sample_types: types,
	default_sample_type: def,
	totals: totals.map(String),
	samples: prof.sample.length,
	comm_totals: commTotals,
	comm_pid_totals: commPidTotals,
	problems: problems.slice(0, 10),
}));
process.exit(problems.length ? 1 : 0);
