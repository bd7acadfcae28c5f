#!/bin/sh
# tier: fast
# The real static installer refuses every bad .run with a message that names
# the check that failed, and writes nothing under the prefix or /etc: a flipped
# byte in the payload, in the trailer and in the stub; a truncated file; junk
# appended; a signature by another key; a trailer that points outside the file;
# and, signed with the test's own key so only the content is bad, payloads
# holding "../x", "/etc/x", a symlink leaving the tree and a device node.
# On a good .run, `info --json`, `list`, `verify --key` and `extract` are checked;
# verify and extract refuse to vouch for the embedded key alone, and extract
# refuses a directory another user owns or can write to.
. tests/lib.sh
t_tmpdir
. tests/e2e/tiny_run.sh
PREFIX=$T_TMP/prefix
mkdir -p "$PREFIX"
for f in "$INSTALLER" "$TOOL"; do
	if [ ! -x "$f" ]; then
		not_ok "installer and runfile-tool are built" "missing $f (run make)"
		exit 1
	fi
done

# ---- the stub ----
if ldd "$INSTALLER" 2>&1 | grep -q "not a dynamic executable"; then
	ok "the installer stub is statically linked"
else
	not_ok "the installer stub is statically linked" "ldd says: $(ldd "$INSTALLER" 2>&1)"
fi
echo "# installer stub: $(wc -c <"$INSTALLER") bytes"

# ---- keys and payloads (tests/e2e/tiny_run.sh) ----
FPR=$(tiny_key a) || exit 1
FPR_B=$(tiny_key b) || exit 1
tiny_meta "$T_TMP/bundle.json" "$FPR"
tiny_meta "$T_TMP/bundle-b.json" "$FPR_B"

# mkrun OUT KIND [SIGNING_KEY [EMBEDDED_PUB [META]]]
mkrun() {
	tiny_payload "$T_TMP/$2.tar.zst" "$2" "${5:-$T_TMP/bundle.json}" || return 1
	tiny_run "$1" "$T_TMP/$2.tar.zst" "${5:-$T_TMP/bundle.json}" "${3:-$T_TMP/a.key}" \
		"$(date +%s)" ${4:+"$4"}
}

# patch FILE OFFSET HEXBYTES: overwrite bytes in place.
patch() {
	python3 -c 'import sys
f = open(sys.argv[1], "r+b"); off = int(sys.argv[2])
off = off if off >= 0 else f.seek(0, 2) + off
f.seek(off); f.write(bytes.fromhex(sys.argv[3]))' "$@"
}

# flip FILE OFFSET: xor one byte with 0x20 (negative offsets count from the end).
flip() {
	python3 -c 'import sys
f = open(sys.argv[1], "r+b"); off = int(sys.argv[2])
off = off if off >= 0 else f.seek(0, 2) + off
f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0x20]))' "$@"
}

GOOD=$T_TMP/good.run
mkrun "$GOOD" good || { not_ok "a good .run is written" "runfile-tool failed"; exit 1; }
layout() { "$TOOL" layout "$1" | awk -v s="$2" '$1 == s { print $2, $3 }'; }

# ---- a good .run ----
if ! "$GOOD" verify </dev/null >"$T_TMP/out" 2>&1 &&
   grep -q "signed by key $FPR, and nothing on this host vouches for it" "$T_TMP/out"; then
	ok "verify alone refuses to vouch for the key embedded in the file, naming it"
else
	not_ok "verify alone refuses to vouch for the embedded key" "$(cat "$T_TMP/out")"
fi
if "$GOOD" verify --trust-embedded-key >"$T_TMP/out" 2>"$T_TMP/err" && grep -q "^OK " "$T_TMP/out" &&
   grep -q "trust      the key embedded in the file, because --trust-embedded-key" "$T_TMP/out" &&
   grep -q "warning: nothing vouches for key $FPR" "$T_TMP/err"; then
	ok "a good .run verifies with --trust-embedded-key, which it says and warns about"
else
	not_ok "a good .run verifies with --trust-embedded-key" "$(cat "$T_TMP/out" "$T_TMP/err")"
fi
if "$GOOD" verify --key "$T_TMP/a.pub" >"$T_TMP/out" 2>&1 &&
   grep -q "^  signed by  $FPR$" "$T_TMP/out" && grep -q "trust      the key file .*a.pub (--key)" "$T_TMP/out"; then
	ok "a good .run verifies with --key of its signer, naming the key and the trust"
else
	not_ok "a good .run verifies with --key of its signer" "$(cat "$T_TMP/out")"
fi
if "$GOOD" verify --fingerprint "$FPR" >"$T_TMP/out" 2>&1 &&
   grep -q "trust      the fingerprint given with --fingerprint" "$T_TMP/out"; then
	ok "a good .run verifies with --fingerprint of its signer"
else
	not_ok "a good .run verifies with --fingerprint of its signer" "$(cat "$T_TMP/out")"
fi
"$GOOD" info --json >"$T_TMP/info.json" 2>"$T_TMP/err"
if python3 - "$T_TMP/info.json" "$FPR" "$(wc -c <"$GOOD")" <<'EOF'
import json, sys
i = json.load(open(sys.argv[1]))
want = {"name": "tiny", "version": "1.0", "target": "d12", "family": "deb", "arch": "amd64",
        "codename": "bookworm", "postgres": [16], "extensions": ["vector"], "modules": ["pgsql"],
        "packages": 2, "packages_size": 4096, "date": 1700000000, "key": sys.argv[2],
        "file_size": int(sys.argv[3]), "verified_with": "embedded-key"}
bad = {k: (i.get(k), v) for k, v in want.items() if i.get(k) != v}
assert not bad, bad
assert i["payload_size"] > 0 and len(i["payload_sha256"]) == 64
EOF
then ok "info --json reports the bundle's metadata, sizes and key"
else not_ok "info --json reports the bundle's metadata, sizes and key" "$(cat "$T_TMP/info.json" "$T_TMP/err")"
fi
"$GOOD" info >"$T_TMP/info.txt" 2>&1
if grep -q "^name: *tiny" "$T_TMP/info.txt" && grep -q "$FPR" "$T_TMP/info.txt" &&
   grep -q "^packages: *2" "$T_TMP/info.txt"; then
	ok "info prints name, package count and key fingerprint"
else
	not_ok "info prints name, package count and key fingerprint" "$(cat "$T_TMP/info.txt")"
fi
"$GOOD" list >"$T_TMP/list" 2>&1
if grep -Eq "^postgresql-16 +16\.4-1 +amd64$" "$T_TMP/list" &&
   grep -Eq "^libpq5 +17\.0-1 +amd64$" "$T_TMP/list" && [ "$(wc -l <"$T_TMP/list")" = 3 ]; then
	ok "list prints every package of the bundle with its version"
else
	not_ok "list prints every package of the bundle with its version" "$(cat "$T_TMP/list")"
fi
"$GOOD" list --json >"$T_TMP/list.json" 2>&1
if python3 -c 'import json, sys
l = json.load(open(sys.argv[1]))
assert [(p["name"], p["requested"]) for p in l] == [("postgresql-16", True), ("libpq5", False)], l' \
	"$T_TMP/list.json"; then
	ok "list --json marks the requested packages"
else
	not_ok "list --json marks the requested packages" "$(cat "$T_TMP/list.json")"
fi
if "$GOOD" extract --key "$T_TMP/a.pub" "$T_TMP/x" >"$T_TMP/out" 2>&1 &&
   cmp -s "$T_TMP/x/bundle.json" "$T_TMP/bundle.json" && [ -f "$T_TMP/x/pool/libpq5.deb" ] &&
   [ ! -e "$T_TMP/x/.pgbundle-extract" ] && grep -q "signed by $FPR; trust: the key file" "$T_TMP/out"; then
	ok "extract unpacks the payload without its top directory, naming the key and the trust"
else
	not_ok "extract unpacks the payload without its top directory" "$(cat "$T_TMP/out")"
fi

# extract DIR: a directory someone else owns or may write to is refused, untouched.
mkdir -p "$T_TMP/theirs" "$T_TMP/open"
chown nobody "$T_TMP/theirs"
chmod 777 "$T_TMP/open"
if ! "$GOOD" extract --key "$T_TMP/a.pub" "$T_TMP/theirs" >"$T_TMP/out" 2>&1 &&
   grep -q "theirs belongs to user 65534, not to you" "$T_TMP/out" && [ -z "$(ls -A "$T_TMP/theirs")" ]; then
	ok "extract refuses a directory owned by another user"
else
	not_ok "extract refuses a directory owned by another user" "$(cat "$T_TMP/out"; ls -A "$T_TMP/theirs")"
fi
if ! "$GOOD" extract --key "$T_TMP/a.pub" "$T_TMP/open" >"$T_TMP/out" 2>&1 &&
   grep -q "open can be written by other users (mode 777)" "$T_TMP/out" && [ -z "$(ls -A "$T_TMP/open")" ]; then
	ok "extract refuses a directory other users can write to"
else
	not_ok "extract refuses a directory other users can write to" "$(cat "$T_TMP/out"; ls -A "$T_TMP/open")"
fi

# ---- bad ones ----
MARK=$T_TMP/mark
SIGNED_CMDS="verify|info|list|extract $PREFIX/out|install --prefix $PREFIX --yes --dry-run|install --prefix $PREFIX --yes"
CONTENT_CMDS="verify|extract $PREFIX/out|install --prefix $PREFIX --yes --dry-run"

# refuse NAME RUN PATTERN [OPTIONS]: each of $CMDS, run as RUN [OPTIONS] CMD (or,
# with EXE set, as EXE --file RUN [OPTIONS] CMD), fails with PATTERN in its
# message; nothing appears under the prefix and nothing in /etc changes.  The
# options default to --trust-embedded-key, so that the file's own defects are
# what is refused.
refuse() {
	name=$1 run=$2 pattern=$3 opts=${4:---trust-embedded-key}
	touch "$MARK"
	why=""
	IFS_SAVE=$IFS
	IFS='|'
	for cmd in $CMDS; do
		IFS=$IFS_SAVE
		# shellcheck disable=SC2086
		if [ -n "${EXE:-}" ]; then
			"$EXE" --file "$run" $opts $cmd >"$T_TMP/out" 2>&1
		else
			"$run" $opts $cmd >"$T_TMP/out" 2>&1
		fi
		rc=$?
		if [ $rc = 0 ]; then
			why="$why; \`$cmd\` succeeded"
		elif ! grep -Eq "$pattern" "$T_TMP/out"; then
			why="$why; \`$cmd\` (exit $rc) said: $(cat "$T_TMP/out")"
		fi
		IFS='|'
	done
	IFS=$IFS_SAVE
	left=$(find "$PREFIX" -mindepth 1 | head -n 5)
	[ -z "$left" ] || why="$why; written under the prefix: $left"
	etc=$(find /etc -xdev \( -newer "$MARK" -o -cnewer "$MARK" \) 2>/dev/null | head -n 5)
	[ -z "$etc" ] || why="$why; changed in /etc: $etc"
	[ ! -e /etc/x ] || why="$why; /etc/x exists"
	if [ -z "$why" ]; then
		ok "$name"
		grep -E "$pattern" "$T_TMP/out" | head -n 2 | sed 's/^/#   /'
	else
		not_ok "$name" "${why#; }"
	fi
}

B=$T_TMP/bad.run
set -- $(layout "$GOOD" payload)
POFF=$1 PLEN=$2
CMDS=$SIGNED_CMDS

cp "$GOOD" "$B"; flip "$B" $((POFF + PLEN / 2))
refuse "one flipped byte in the payload is refused" "$B" "BAD signature"

cp "$GOOD" "$B"; flip "$B" -40	# in the trailer's payload SHA-256
refuse "one flipped byte in the trailer is refused" "$B" "BAD signature"

cp "$GOOD" "$B"; flip "$B" -128	# the trailer's magic
refuse "a damaged trailer magic is refused" "$B" "trailer's magic is wrong"

# In the stub's help text: the tampered stub still runs, and its own check catches
# it; so does a trusted installer given the file.
off=$(grep -boa "Installs the PostgreSQL bundle" "$GOOD" | head -n 1 | cut -d: -f1)
cp "$GOOD" "$B"; flip "$B" "$off"
refuse "one flipped byte in the stub is refused" "$B" "BAD signature"
EXE=$INSTALLER
refuse "one flipped byte in the stub is refused by a trusted installer" "$B" "BAD signature"
EXE=

head -c $(($(wc -c <"$GOOD") - 1000)) "$GOOD" >"$B"
refuse "a truncated file is refused" "$B" "no \.run trailer.*truncated"

cp "$GOOD" "$B"; printf 'appended junk' >>"$B"
refuse "junk appended to the file is refused" "$B" "13 bytes follow the \.run trailer"

cp "$GOOD" "$B"; patch "$B" -104 ffffffffffffff7f	# the payload length
refuse "a trailer pointing outside the file is refused" "$B" "points outside the file"

mkrun "$B" good "$T_TMP/b.key" "$T_TMP/a.pub"
refuse "a signature by another key than the embedded one is refused" "$B" \
	"the file's signature names no key embedded in it"

mkrun "$B" good "$T_TMP/b.key" "" "$T_TMP/bundle-b.json"
refuse "a .run signed by another key is refused with the operator's --key" "$B" \
	"is signed by key $FPR_B, which is not in .*a\.pub \(it holds $FPR\)" "--key $T_TMP/a.pub"
refuse "a .run signed by another key is refused with the operator's --fingerprint" "$B" \
	"is signed by key $FPR_B, not by the key $FPR given with --fingerprint" "--fingerprint $FPR"

CMDS=$CONTENT_CMDS
mkrun "$B" dotdot
refuse "a payload entry \"../x\" is refused" "$B" 'entry "\.\./x" has a "\.\." component'
mkrun "$B" abs
refuse "a payload entry \"/etc/x\" is refused" "$B" 'entry "/etc/x" is an absolute path'
mkrun "$B" symlink
refuse "a payload symlink leaving the tree is refused" "$B" \
	'entry ".*/escape" is a symlink and its target climbs above the top directory'
mkrun "$B" device
refuse "a payload device node is refused" "$B" 'entry ".*/null" is a character device'
