#!/usr/bin/env bash
# Regenerate the files derived from checked-in sources:
#  - flame/svg_script.h from flame/svg_script.js (the script every interactive SVG embeds)
#  - the SVG golden files tests/data/svg/*.svg (rendered by test_svg with SINGE_REGEN=1)
#  - the diff writers' goldens tests/data/golden/diff-* (test_diff_report with SINGE_REGEN=1);
#    the CLI goldens tests/data/golden/cli-diff.* come from
#    SINGE_REGEN=1 OUTPUT=... bash tests/integration/test_diff.sh
# Run from anywhere; review the diff before committing.
set -euo pipefail
cd "$(dirname "$0")/../.."

OUTPUT=${OUTPUT:-.output}

script_header() {
	local js=flame/svg_script.js
	{
		echo '/* SPDX-License-Identifier: MIT */'
		echo '/* Generated from svg_script.js by tests/data/regen.sh: edit the .js, then run it. */'
		echo '#ifndef SINGE_FLAME_SVG_SCRIPT_H'
		echo '#define SINGE_FLAME_SVG_SCRIPT_H'
		echo
		echo 'static const char svg_script[] ='
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$js"
		echo '\t;'
		echo
		echo '#endif /* SINGE_FLAME_SVG_SCRIPT_H */'
	} | sed 's/^\\t;$/\t;/' >flame/svg_script.h
	if grep -q ']]>' "$js"; then
		echo "regen: $js contains ']]>', which would end the CDATA section" >&2
		exit 1
	fi
}

script_header
make -s OUTPUT="$OUTPUT" "$OUTPUT/tests/test_svg"
(cd tests && SINGE_REGEN=1 "../$OUTPUT/tests/test_svg")
make -s OUTPUT="$OUTPUT" "$OUTPUT/tests/test_diff_report"
(cd tests && SINGE_REGEN=1 "../$OUTPUT/tests/test_diff_report" >/dev/null)
echo "regenerated flame/svg_script.h, tests/data/svg/*.svg and tests/data/golden/diff-*"
