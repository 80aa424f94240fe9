#!/usr/bin/env bash
# The version of this checkout, for `lekwacht version` and the Debian package: from the newest tag
# v1.2.3 as git describe names it (1.2.3 on the tag, 1.2.3+4.gabc1234 four commits later), else
# 0.0.0+<commits>.g<commit> (the count first, so dpkg sees a later commit as newer); .dirty when the
# tree has changes; 0.0.0+unknown outside a git checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo 0.0.0+unknown
	exit 0
fi
dirty=""
git diff --quiet HEAD -- 2>/dev/null || dirty=.dirty
if d=$(git describe --tags --match 'v[0-9]*' --abbrev=7 2>/dev/null); then
	d=${d#v}
	if [[ $d =~ ^(.*)-([0-9]+)-g([0-9a-f]+)$ ]]; then
		d="${BASH_REMATCH[1]}+${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}"
		echo "$d$dirty"
	else
		echo "$d${dirty:++${dirty#.}}"
	fi
	exit 0
fi
echo "0.0.0+$(git rev-list --count HEAD).g$(git rev-parse --short=7 HEAD)$dirty"
