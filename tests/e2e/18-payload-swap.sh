#!/bin/sh
# tier: fast
# The payload swap of issue 11: root runs `pgbundle-installer --file RUN
# --key PUB extract DIR` (and `install`) on a .run that another user owns;
# that user watches the reads with inotify and, once the verifier has read
# past the payload's first bytes, overwrites them with a small tar.zst of
# its own and a zstd skippable frame covering the rest of the payload.
# Before verification and extraction were one pass, extraction read the
# payload again and unpacked the attacker's files (the bundled config and
# key then trusted by install).  Now both refuse, and no attacker file
# appears.  A second attacker rewrites the payload ahead of the reader: the
# signature check refuses it, and what was unpacked meanwhile is gone.
. tests/lib.sh
need_root "payload swap by another user"
t_tmpdir
. tests/e2e/tiny_run.sh
for f in "$INSTALLER" "$TOOL"; do
	[ -x "$f" ] || { not_ok "installer and runfile-tool are built" "missing $f (run make)"; exit 1; }
done

# The file and its directory belong to the attacker (nobody); root runs the installer.
W=$(mktemp -d /tmp/pgbundle-swap.XXXXXX)
trap 't_cleanup; rm -rf "$W"' EXIT INT TERM
chown nobody "$W"
chmod 755 "$W"

FPR=$(tiny_key a) || exit 1
tiny_meta "$T_TMP/bundle.json" "$FPR" '.config = "config/singleton.yml"'
# The genuine bundle's config is refused by install with its own key name, so
# install stops at the config step and the test sees whose tree it read.
tiny_payload "$T_TMP/good.tar.zst" good "$T_TMP/bundle.json" "genuine_config: 1" 48 || exit 1
tiny_run "$T_TMP/good.run" "$T_TMP/good.tar.zst" "$T_TMP/bundle.json" "$T_TMP/a.key" || exit 1
tiny_payload "$T_TMP/evil.tar.zst" good "$T_TMP/bundle.json" "attacker_was_here: 1" || exit 1
set -- $("$TOOL" layout "$T_TMP/good.run" | awk '$1 == "payload" { print $2, $3 }')
POFF=$1 PLEN=$2
EVIL=$(stat -c %s "$T_TMP/evil.tar.zst")
# The attacker's bytes: its tar.zst, then the header of a zstd skippable frame
# whose content is the rest of the genuine payload (left as it is).  ahead.bytes:
# the same followed by zeros, rewriting the whole payload.
python3 - "$T_TMP/evil.tar.zst" "$PLEN" "$W" <<'PY'
import struct, sys
evil = open(sys.argv[1], "rb").read()
rest = int(sys.argv[2]) - len(evil) - 8
head = evil + struct.pack("<II", 0x184D2A50, rest)
open(sys.argv[3] + "/evil.bytes", "wb").write(head)
open(sys.argv[3] + "/ahead.bytes", "wb").write(head + b"\0" * rest)
PY
cp "$T_TMP/a.pub" "$W/"
chmod 644 "$W/evil.bytes" "$W/ahead.bytes" "$W/a.pub"

# attack RUN OFFSET BYTES_FILE READS: as nobody, wait until RUN was read READS
# times (inotify IN_ACCESS), then write BYTES_FILE at OFFSET; prints
# "landed" when the installer read the file again after the write.
cat >"$W/attack.py" <<'PY'
import ctypes, os, select, struct, sys
path, off, data, reads = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "rb").read(), int(sys.argv[4])
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init()
if fd < 0 or libc.inotify_add_watch(fd, path.encode(), 0x1) < 0:   # IN_ACCESS
    sys.exit("inotify: %s" % os.strerror(ctypes.get_errno()))
open(path + ".ready", "w").close()
def events(timeout):
    if not select.select([fd], [], [], timeout)[0]:
        return 0
    buf, n, i = os.read(fd, 65536), 0, 0
    while i < len(buf):
        i += 16 + struct.unpack_from("iIII", buf, i)[3]
        n += 1
    return n
seen = 0
while seen < reads:
    got = events(60)
    if not got:
        sys.exit("no reads seen")
    seen += got
with open(path, "r+b") as f:
    f.seek(off)
    f.write(data)
    f.flush()
    os.fsync(f.fileno())
print("landed" if events(5) else "late", flush=True)
PY
chmod 644 "$W/attack.py"

# swap NAME READS OFFSET BYTES CMD...: the attack against CMD (root) on a fresh
# copy of good.run owned by nobody; sets OUT (the installer's output) and HOW.
swap() {
	sw_name=$1 sw_reads=$2 sw_off=$3 sw_bytes=$4
	shift 4
	rm -f "$W/x.run" "$W/x.run.ready"
	cp "$T_TMP/good.run" "$W/x.run"
	chown nobody "$W/x.run"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		/usr/bin/python3 "$W/attack.py" "$W/x.run" "$sw_off" "$W/$sw_bytes" "$sw_reads" \
		>"$T_TMP/attack.out" 2>&1 &
	sw_pid=$!
	for _ in $(seq 50); do [ -e "$W/x.run.ready" ] && break; sleep 0.1; done
	"$@" >"$T_TMP/out" 2>&1
	RC=$?
	wait "$sw_pid"
	HOW=$(cat "$T_TMP/attack.out")
	OUT=$(cat "$T_TMP/out")
}

# The stub is read first, 1 MiB at a time: 8 reads are well past the payload's start.
STUB_READS=$(( (POFF >> 20) + 3 ))
for round in 1 2 3; do
	rm -rf "$W/out"
	swap "extract" "$STUB_READS" "$POFF" evil.bytes \
		"$INSTALLER" --file "$W/x.run" --key "$W/a.pub" extract "$W/out"
	pwned=$(find "$W/out" -name 'pwned' -o -name singleton.yml -exec grep -l attacker_was_here {} + 2>/dev/null)
	if [ "$RC" != 0 ] && [ -z "$pwned" ] && [ -z "$(ls -A "$W/out" 2>/dev/null)" ] &&
	   echo "$OUT" | grep -Eq "changed while it was being read|BAD signature"; then
		ok "extract refuses a payload rewritten behind the verifier by another user (round $round, attack $HOW)"
		echo "$OUT" | head -n 2 | sed 's/^/#   /'
	else
		not_ok "extract refuses a payload rewritten behind the verifier (round $round, attack $HOW)" \
			"status $RC; attacker files: ${pwned:-none}; $(ls -A "$W/out" 2>/dev/null | head -n 3 | tr '\n' ' ')$OUT"
	fi
done

# install: it stops at the config step after extracting, so its message says
# whose config it read: the attacker's, the genuine one, or none (refused).
for round in 1 2 3; do
	rm -rf "$T_TMP/prefix"
	swap "install" "$STUB_READS" "$POFF" evil.bytes \
		"$INSTALLER" --file "$W/x.run" --key "$W/a.pub" --prefix "$T_TMP/prefix" install --yes
	if [ "$RC" != 0 ] && ! echo "$OUT" | grep -q "attacker_was_here\|genuine_config" &&
	   echo "$OUT" | grep -Eq "changed while it was being read|BAD signature" &&
	   [ -z "$(ls -A "$T_TMP/prefix" 2>/dev/null)" ]; then
		ok "install refuses a payload rewritten behind the verifier by another user (round $round, attack $HOW)"
		echo "$OUT" | grep -E "changed while|BAD signature" | head -n 1 | sed 's/^/#   /'
	else
		not_ok "install refuses a payload rewritten behind the verifier (round $round, attack $HOW)" \
			"status $RC; left under the prefix: $(ls -A "$T_TMP/prefix" 2>/dev/null); $(echo "$OUT" | tail -n 4)"
	fi
done

# Ahead of the reader: the attacker's payload is what is read, and refused.
rm -rf "$W/out"
swap "extract ahead" 1 "$POFF" ahead.bytes \
	"$INSTALLER" --file "$W/x.run" --key "$W/a.pub" extract "$W/out"
pwned=$(find "$W/out" -name pwned 2>/dev/null)
if [ "$RC" != 0 ] && [ -z "$pwned" ] && [ -z "$(ls -A "$W/out" 2>/dev/null)" ] &&
   echo "$OUT" | grep -Eq "BAD signature|changed while it was being read"; then
	ok "extract refuses a payload rewritten ahead of the reader, and keeps nothing it unpacked (attack $HOW)"
else
	not_ok "extract refuses a payload rewritten ahead of the reader" \
		"status $RC; attacker files: ${pwned:-none}; $OUT"
fi
