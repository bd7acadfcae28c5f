#!/bin/sh
# tier: fast
# Which key a host trusts (issue 11): the d12 .run, and copies of it signed
# by other keys (same payload; bundle.json naming the signer, its date or
# version changed, a rotation chain added), installed on a fresh air-gapped
# bookworm.  Without trust, --yes refuses, naming the key; a terminal is asked;
# --trust-embedded-key is logged; --fingerprint of the signer is accepted and
# the key pinned; a bundle signed by another key is then refused naming both,
# even with its own --fingerprint; a rotation statement by the pinned key
# lets its successor in and moves the pin; an older bundle is refused unless
# --allow-downgrade.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/tiny_run.sh
need_root "installer trust"
t_tmpdir
CT=pgb-trust-$$
trap 'sh "$TOP/ci/airgap/boot.sh" stop "$CT" 2>/dev/null; t_cleanup' EXIT INT TERM

install_build d12 || exit 1
TAR=$(ls "$(dirname "$RUN")"/*.tar.zst | head -n 1)
FPR_A=$("$RUN" info --json | jq -r .key)

# Keys B and C = `pgbundle key rotate` of B, made the way a publisher would.
"$PGBUNDLE" keygen -o "$T_TMP/kb" --uid "Other publisher <b@example.org>" >"$T_TMP/kb.out" || exit 1
"$PGBUNDLE" key rotate --key "$T_TMP/kb/pgbundle.key" -o "$T_TMP/kc" >"$T_TMP/kc.out" || exit 1
FPR_B=$(sed -n 's/^key //p' "$T_TMP/kb.out")
FPR_C=$(sed -n 's/^key //p' "$T_TMP/kc.out")
if grep -q "^replaces $FPR_B$" "$T_TMP/kc.out" && [ -s "$T_TMP/kc/pgbundle.rotation" ]; then
	ok "pgbundle key rotate makes a new key and a statement by the old one ($FPR_B -> $FPR_C)"
else
	not_ok "pgbundle key rotate" "$(cat "$T_TMP/kc.out")"
fi

# resign OUT KEYDIR FPR JQ: the d12 payload and its bundle.json, JQ applied
# (with $k = FPR), signed by KEYDIR/pgbundle.key.
set -- $("$TOOL" layout "$RUN" | awk '$1 == "meta" { print $2, $3 }')
tail -c +$(($1 + 1)) "$RUN" | head -c "$2" >"$T_TMP/meta.json"
resign() {
	jq --arg k "$3" "$4" "$T_TMP/meta.json" >"$T_TMP/m.json" &&
		tiny_run "$1" "$TAR" "$T_TMP/m.json" "$2/pgbundle.key"
}
DATE=$(jq .date "$T_TMP/meta.json")
ROT=$(jq -Rs . "$T_TMP/kc/pgbundle.rotation")
resign "$T_TMP/B.run" "$T_TMP/kb" "$FPR_B" '.key = $k' || exit 1
resign "$T_TMP/C.run" "$T_TMP/kc" "$FPR_C" ".key = \$k | .key_rotation = [$ROT]" || exit 1
resign "$T_TMP/Cold.run" "$T_TMP/kc" "$FPR_C" ".key = \$k | .key_rotation = [$ROT] | .date = $DATE - 86400" || exit 1
resign "$T_TMP/Cver.run" "$T_TMP/kc" "$FPR_C" ".key = \$k | .key_rotation = [$ROT] | .version = \"0.9\"" || exit 1

# ---- on this host: no terminal, no key: refused; a terminal: asked ----
if ! "$RUN" verify </dev/null >"$T_TMP/out" 2>&1 &&
   grep -q "signed by key $FPR_A, and nothing on this host vouches for it" "$T_TMP/out" &&
   grep -q -- "--key FILE" "$T_TMP/out" && grep -q -- "--fingerprint FPR" "$T_TMP/out"; then
	ok "verify without a trusted key refuses, naming the key and the ways to trust it"
else
	not_ok "verify without a trusted key refuses" "$(cat "$T_TMP/out")"
fi
printf 'y\n' | script -qec "$RUN verify" /dev/null >"$T_TMP/tty" 2>&1
if grep -q "Trust this key? \[y/N\]" "$T_TMP/tty" &&
   grep -q "$(echo "$FPR_A" | sed 's/..../& /g; s/ $//')" "$T_TMP/tty" &&
   grep -q "trust      the key embedded in the file, accepted at the prompt" "$T_TMP/tty"; then
	ok "on a terminal, verify shows the fingerprint and asks; yes trusts the embedded key, and says so"
else
	not_ok "on a terminal, verify asks" "$(cat "$T_TMP/tty")"
fi

# ---- an air-gapped bookworm ----
root=$T_TMP/rootfs
if ! sh "$TOP/ci/airgap/rootfs.sh" bookworm "$root" --with-systemd >"$T_TMP/rootfs.log" 2>&1; then
	not_ok "minbase bookworm rootfs with systemd" "$(tail -n 3 "$T_TMP/rootfs.log")"
	exit 1
fi
cp "$RUN" "$root/root/A.run"
cp "$T_TMP/B.run" "$T_TMP/C.run" "$T_TMP/Cold.run" "$T_TMP/Cver.run" "$root/root/"
if ! sh "$TOP/ci/airgap/boot.sh" start "$root" "$CT" 2>"$T_TMP/boot.log"; then
	not_ok "boot bookworm with systemd" "$(cat "$T_TMP/boot.log")"
	exit 1
fi

# run CMD...: in the container, output in $T_TMP/run.log, status in RC.
# expect NAME RC PATTERN...: the last run exited RC (0, or non-zero) and
# printed every PATTERN (grep -E).
run() { in_ct "$@" >"$T_TMP/run.log" 2>&1; RC=$?; }
expect() {
	ex_name=$1 ex_rc=$2
	shift 2
	why=""
	if [ "$ex_rc" = 0 ] && [ "$RC" != 0 ]; then why="status $RC"; fi
	if [ "$ex_rc" != 0 ] && [ "$RC" = 0 ]; then why="it succeeded"; fi
	for pat; do grep -Eq -- "$pat" "$T_TMP/run.log" || why="$why; no \"$pat\""; done
	if [ -z "$why" ]; then
		ok "$ex_name"
		grep -E -- "$1" "$T_TMP/run.log" | head -n 1 | cut -c1-300 | sed 's/^/#   /'
	else
		not_ok "$ex_name" "${why#; }: $(grep -v '^    |' "$T_TMP/run.log" | tail -n 6)"
	fi
}
pins() { in_ct sh -c 'ls /etc/pgbundle/trusted.d 2>/dev/null' | tr '\n' ' '; }

run /root/B.run install --yes
expect "a .run re-signed with another key is refused with --yes and no trust given" 1 \
	"signed by key $FPR_B, and nothing on this host vouches for it"

run /root/A.run install --yes --trust-embedded-key --config /root/missing.yml
expect "--trust-embedded-key is accepted and logged (warning on screen and in install.log)" 1 \
	"trusting key $FPR_A only because --trust-embedded-key was given" "missing.yml"
if in_ct grep -q "trusting key $FPR_A only because --trust-embedded-key" /var/log/pgbundle/install.log &&
   [ -z "$(pins)" ]; then
	ok "the --trust-embedded-key choice is in /var/log/pgbundle/install.log; a failed install pins nothing"
else
	not_ok "--trust-embedded-key in the log file" "pins: $(pins)"
fi

printf 'y\nn\n' | in_ct script -qec "/root/A.run install" /dev/null >"$T_TMP/run.log" 2>&1
RC=$?
expect "an interactive install shows the fingerprint, asks, and stops when told no" 1 \
	"Trust this key\\? \\[y/N\\]" "trust: the key embedded in the file, accepted at the prompt" \
	"stopped at the operator's request; nothing was changed"

start=$(date +%s)
run /root/B.run install --yes --fingerprint "$FPR_B"
expect "the .run signed by another key installs with --fingerprint of that key ($(( $(date +%s) - start )) s)" 0 \
	"trust: the fingerprint given with --fingerprint" "^Done: " "trust key $FPR_B from now on"
[ "$(pins)" = "$FPR_B.gpg " ] && ok "its key is pinned: /etc/pgbundle/trusted.d/$FPR_B.gpg" ||
	not_ok "the key is pinned" "trusted.d holds: $(pins)"

run /root/A.run install --yes --fingerprint "$FPR_A"
expect "a bundle signed by a key other than the pinned one is refused, naming both, even with its --fingerprint" 1 \
	"signed by key $FPR_A, but this host trusts key $FPR_B"
run /root/A.run install --yes --trust-embedded-key
expect "... and with --trust-embedded-key" 1 "signed by key $FPR_A, but this host trusts key $FPR_B"

run /root/C.run install --yes
expect "a rotation statement by the pinned key lets the new key in, and moves the pin" 0 \
	"trust: a rotation statement by the key pinned on this host \\($FPR_B\\)" \
	"trust key $FPR_C from now on" "no longer trust key $FPR_B: replaced by $FPR_C"
[ "$(pins)" = "$FPR_C.gpg " ] && ok "only the new key is pinned now" ||
	not_ok "the pin moved" "trusted.d holds: $(pins)"
run /root/B.run install --yes --fingerprint "$FPR_B"
expect "the rotated-away key is no longer trusted" 1 "signed by key $FPR_B, but this host trusts key $FPR_C"

run /root/Cold.run install --yes
expect "a bundle built before the installed one is refused" 1 \
	"refusing to install pgsql-d12 1.0 built .* over pgsql-d12 1.0 built .*--allow-downgrade"
run /root/Cver.run install --yes --dry-run
expect "a bundle of a lower version is refused" 1 "refusing to install pgsql-d12 0.9 .* over pgsql-d12 1.0"
run /root/Cold.run install --yes --allow-downgrade
expect "--allow-downgrade installs it, with a warning" 0 \
	"installing pgsql-d12 1.0 built .* because --allow-downgrade was given" "^(Done|Everything)"
