#!/bin/sh
# tier: fast
# recipes/extensions.yml against the real Debian archive: the catalog loads,
# every extension whose control file the main component of bullseye,
# bookworm, trixie and forky ships (Contents-amd64 and Contents-all) has an
# entry (by name or alias), and every entry that says it is checked is really
# shipped there.  The expected set comes from a plain text scan of Contents,
# not from the code under test.  Mirror: the host's apt sources.
. tests/lib.sh
t_tmpdir
SUITES="bullseye bookworm trixie forky"
CACHE=$BDIR/test-cache/contents
LOADER=$BDIR/tests/builder/test_extcat

# fetch SUITE ARCH: the suite's Contents, downloaded again only when the
# SHA256 its Release lists changes.  The download is not held to that SHA256:
# mirrors and proxies here serve a Contents a little out of step with Release,
# and this is a test input, not something we ship.
fetch() {
	f=$CACHE/$1-Contents-$2.gz
	want=$(curl -fsS --retry 3 "$MIRROR/dists/$1/Release" |
		awk -v p="main/Contents-$2.gz" 'length($1) == 64 && $3 == p { print $1 }')
	[ -n "$want" ] || return 1
	[ -f "$f.sha256" ] && [ "$(cat "$f.sha256")" = "$want" ] && [ -f "$f" ] && return 0
	rm -f "$f" "$f.sha256" "$CACHE/$1-Contents-$2.controls"
	curl -fsS --retry 3 -o "$f.tmp" "$MIRROR/dists/$1/main/Contents-$2.gz" &&
		gzip -t "$f.tmp" && mv "$f.tmp" "$f" && echo "$want" >"$f.sha256" && return 0
	rm -f "$f.tmp"
	return 1
}

# The control file paths of a cached Contents, scanned once per download.
controls() {
	c=$CACHE/$1-Contents-$2.controls
	if [ ! -f "$c" ]; then
		zcat "$CACHE/$1-Contents-$2.gz" |
			LC_ALL=C grep -o 'usr/share/postgresql/[0-9]*/extension/[^[:space:]/]*\.control' \
			>"$c.tmp" && mv "$c.tmp" "$c"
	fi
	cat "$c"
}

# Extension names of control files; NAME--VERSION.control belongs to NAME.
control_names() {
	sed 's:.*/::; s/\.control$//; s/--.*//'
}

MIRROR=$(t_debian_mirror)
if [ -z "$MIRROR" ]; then
	not_ok "host apt sources name a Debian mirror" "none in /etc/apt/sources.list*"
	exit 1
fi
mkdir -p "$CACHE"
for s in $SUITES; do
	for a in amd64 all; do
		if ! fetch "$s" "$a"; then
			not_ok "fetch $s Contents-$a" \
				"$MIRROR/dists/$s/main/Contents-$a.gz (or its SHA256 in Release)"
			exit 1
		fi
	done
	echo "# $s: $(controls "$s" amd64 | wc -l) control files in Contents-amd64," \
		"$(controls "$s" all | wc -l) in Contents-all"
done
for s in $SUITES; do controls "$s" amd64; controls "$s" all; done | control_names |
	sort -u >"$T_TMP/archive"
echo "# $(wc -l <"$T_TMP/archive") distinct extensions in the four suites"

if "$LOADER" --names "$TOP/recipes" >"$T_TMP/catalog" 2>"$T_TMP/err"; then
	ok "the real recipes/extensions.yml loads ($(wc -l <"$T_TMP/catalog") entries)"
else
	not_ok "the real recipes/extensions.yml loads" "$(cat "$T_TMP/err")"
	exit 1
fi
tr ' ' '\n' <"$T_TMP/catalog" | grep -v '^[01]$' | sort -u >"$T_TMP/known"

missing=$(comm -23 "$T_TMP/archive" "$T_TMP/known")
echo "# $(($(wc -l <"$T_TMP/archive") - $(printf '%s' "$missing" | grep -c .))) of" \
	"$(wc -l <"$T_TMP/archive") found extensions have an entry"
if [ -z "$missing" ]; then
	ok "every extension in the four suites' Contents has a catalog entry"
else
	not_ok "every extension in the four suites' Contents has a catalog entry" \
		"missing: $(printf "%s " $missing)"
fi

# An entry that does not say checked: false must be shipped under its name
# or one of its aliases: no invented entries.
invented=$(while read -r name checked aliases; do
	[ "$checked" = 1 ] || continue
	found=
	for n in $name $aliases; do
		grep -qx -- "$n" "$T_TMP/archive" && found=1
	done
	[ -n "$found" ] || echo "$name"
done <"$T_TMP/catalog")
echo "# $(awk '$2 == 0' "$T_TMP/catalog" | wc -l) entries say checked: false"
if [ -z "$invented" ]; then
	ok "every checked catalog entry is shipped by a Debian suite"
else
	not_ok "every checked catalog entry is shipped by a Debian suite" \
		"not in Contents: $(printf "%s " $invented)"
fi
