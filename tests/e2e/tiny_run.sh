# tests/e2e/tiny_run.sh - tiny .run files made by the tests, signed with keys
# of their own through build/tests/tools/runfile-tool (the builder's
# repo/runfile.c), for the installer tests that need crafted bundles
# (30, 38, 39).  Source tests/lib.sh first; T_TMP must exist.
#
#   tiny_key NAME             T_TMP/NAME.key, NAME.pub; prints the fingerprint
#   tiny_meta OUT FPR [JSON]  a bundle.json for key FPR (JSON: jq filter applied to it)
#   tiny_payload OUT KIND META [CONFIG [MB]]
#                             a tar.zst of a tiny bundle tree: bundle.json
#                             (META), a Packages index, pool/libpq5.deb, plus
#                             one bad entry for KIND (good, dotdot, abs,
#                             symlink, device), config/singleton.yml holding
#                             CONFIG when given, and pool/big.bin of MB random
#                             megabytes when given
#   tiny_run OUT PAYLOAD META KEY [SIGTIME [EMBED_PUB]]

INSTALLER=${INSTALLER:-$BDIR/pgbundle-installer}
TOOL=$BDIR/tests/tools/runfile-tool
TINY_TOP=tiny-1.0.d12.amd64

tiny_key() {
	"$TOOL" keygen "$T_TMP/$1.key" "$T_TMP/$1.pub" "Test Bundle $1 <$1@example.org>"
}

tiny_meta() {
	printf '%s\n' '{"arch": "amd64", "codename": "bookworm", "date": 1700000000,
 "extensions": ["vector"], "family": "deb", "format": 1, "key": "'"$2"'",
 "modules": ["pgsql"], "name": "tiny", "packages": 2, "postgres": [16],
 "requested": ["postgresql-16"], "size": 4096, "target": "d12", "version": "1.0"}' |
		jq -S "${3:-.}" >"$1"
}

tiny_payload() {
	python3 - "$2" "$3" "$TINY_TOP" "${4:-}" "${5:-0}" >"$1.tar" <<'PY' || return 1
import io, os, sys, tarfile
kind, meta, top, config, mb = sys.argv[1], open(sys.argv[2], "rb").read(), sys.argv[3], sys.argv[4], int(sys.argv[5])
packages = (b"Package: postgresql-16\nVersion: 16.4-1\nArchitecture: amd64\n\n"
            b"Package: libpq5\nVersion: 17.0-1\nArchitecture: amd64\n")
t = tarfile.open(fileobj=sys.stdout.buffer, mode="w", format=tarfile.PAX_FORMAT)
def add(name, kind=tarfile.REGTYPE, data=b"", **kw):
    i = tarfile.TarInfo(name)
    i.type, i.size, i.mtime, i.mode = kind, len(data), 1700000000, 0o755 if kind == tarfile.DIRTYPE else 0o644
    for k, v in kw.items():
        setattr(i, k, v)
    t.addfile(i, io.BytesIO(data) if data else None)
add(top, tarfile.DIRTYPE)
add(top + "/bundle.json", data=meta)
if config:
    add(top + "/config", tarfile.DIRTYPE)
    add(top + "/config/singleton.yml", data=config.encode() + b"\n")
for d in ("dists", "dists/pgbundle", "dists/pgbundle/main", "dists/pgbundle/main/binary-amd64"):
    add(top + "/" + d, tarfile.DIRTYPE)
add(top + "/dists/pgbundle/main/binary-amd64/Packages", data=packages)
if kind == "dotdot":
    add("../x", data=b"escaped\n")
elif kind == "abs":
    add("/etc/x", data=b"escaped\n")
elif kind == "symlink":
    add(top + "/escape", tarfile.SYMTYPE, linkname="../../../../../../etc")
    add(top + "/escape/x", data=b"escaped\n")
elif kind == "device":
    add(top + "/null", tarfile.CHRTYPE, devmajor=1, devminor=3)
add(top + "/pool", tarfile.DIRTYPE)
add(top + "/pool/libpq5.deb", data=b"not really a deb\n")
if mb:
    add(top + "/pool/big.bin", data=os.urandom(mb << 20))
t.close()
PY
	zstd -q -1 -f "$1.tar" -o "$1" && rm -f "$1.tar"
}

tiny_run() {
	"$TOOL" write "$1" "$INSTALLER" "$2" "$3" "$4" "${5:-$(date +%s)}" ${6:+"$6"}
}
