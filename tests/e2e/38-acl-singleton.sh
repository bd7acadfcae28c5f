#!/bin/sh
# tier: all
# Pigsty's access-control model (issue 13) on an air-gapped bookworm
# container with the bundled singleton config plus what a Pigsty user
# writes: pg_users with roles: [dbrole_readonly] / [dbrole_readwrite] and a
# pg_hba_rules entry for user: '+dbrole_readonly' from one address.
#   - a rule opening trust or password (cleartext) to the network is refused
#     at its FILE:LINE:COL, for pg_hba_rules, a raw rules line and PgBouncer;
#   - dbrole_readonly: select works; insert, create table, truncate fail;
#   - dbrole_readwrite: insert, update, delete work; create table fails;
#   - dbrole_admin (dbuser_meta): create table works, and the new table is
#     readable by the readonly user and writable by the readwrite user with
#     no further grant (pg_default_privileges);
#   - dbuser_monitor reads pg_stat_activity of every user (another user's
#     query text), and nothing else (no business table, no CREATE);
#   - an address the rules list (127.0.0.5, the config's rule) is asked for
#     its password; one they do not list (127.0.0.9) is refused, by
#     PostgreSQL and by PgBouncer (a probe bound to that source address in
#     the container's network);
#   - a default privilege revoked by hand is reported on the next run and
#     left so; pg_acl_drift: restore puts it back; then nothing to change.
. tests/lib.sh
. tests/e2e/install_target.sh
need_root "acl singleton"
t_tmpdir

AIRGAP=$TOP/ci/airgap
NAME=pgb-acl-$$
ROOT=$T_TMP/rootfs
RUN_BASE=${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}
cleanup() {
	[ -d "$RUN_BASE/$NAME" ] && sh "$AIRGAP/boot.sh" stop "$NAME" >/dev/null 2>&1
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

inside() { sh "$AIRGAP/boot.sh" exec "$NAME" "$@"; }
installer() {	# LOG ARGS...
	log=$1
	shift
	inside /root/pgbundle.run --key /root/pgbundle.asc "$@" >"$log" 2>&1
}
changes() { grep -E '^ +(\+|would:) ' "$1"; }
# as USER PASSWORD SQL [PORT]: one psql over TCP 127.0.0.1 to meta; 0 when it worked.
as() {
	inside env PGPASSWORD="$2" PGCONNECT_TIMEOUT=10 psql -X -At -v ON_ERROR_STOP=1 \
		"host=127.0.0.1 port=${4:-5432} user=$1 dbname=meta sslmode=disable" -c "$3"
}
sql() { inside runuser -u postgres -- psql -XAtq -d "${2:-meta}" -c "$1"; }
password_of() { inside awk -F: -v u="$1" '$4 == u { print $5 }' /etc/pgbundle/credentials; }
# probe SRC PORT USER: the first answer of the server to a startup message
# sent from source address SRC ("auth N" or the error's text).
probe() {
	nsenter -t "$(cat "$RUN_BASE/$NAME/init.pid")" -n python3 "$T_TMP/probe.py" "$@"
}
cat >"$T_TMP/probe.py" <<'EOF'
import socket, struct, sys
src, port, user = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.settimeout(10)
s.bind((src, 0))
s.connect(("127.0.0.1", port))
body = struct.pack("!I", 196608)
for k, v in (("user", user), ("database", "meta")):
    body += k.encode() + b"\0" + v.encode() + b"\0"
body += b"\0"
s.sendall(struct.pack("!I", len(body) + 4) + body)
kind = s.recv(1)
n = struct.unpack("!I", s.recv(4))[0]
data = b""
while len(data) < n - 4:
    chunk = s.recv(n - 4 - len(data))
    if not chunk:
        break
    data += chunk
if kind == b"R":
    print("auth %d" % struct.unpack("!I", data[:4])[0])
elif kind == b"E":
    fields = dict((f[:1], f[1:]) for f in data.split(b"\0") if f)
    print("error: " + fields.get(b"M", b"").decode())
else:
    print("other %r" % kind)
EOF

install_build d12 || exit 1
ok "the d12 .run is built ($(du -h "$RUN" | cut -f1))"
if ! sh "$AIRGAP/rootfs.sh" bookworm "$ROOT" --with-systemd >"$T_TMP/rootfs.log" 2>&1; then
	not_ok "bookworm rootfs with systemd" "$(tail -n 3 "$T_TMP/rootfs.log")"
	exit 1
fi
cp "$RUN" "$ROOT/root/pgbundle.run"
chmod 0755 "$ROOT/root/pgbundle.run"
install_key "$ROOT"
if ! sh "$AIRGAP/boot.sh" start "$ROOT" "$NAME" 2>"$T_TMP/boot.log"; then
	not_ok "boot the container" "$(cat "$T_TMP/boot.log")"
	exit 1
fi

# ---- the Pigsty-style config: the singleton plus role-group users and a +group rule ----
python3 - "$CONFIG" "$ROOT/root" <<'EOF'
import sys
s = open(sys.argv[1]).read()
s = s.replace("pg_users:\n", "pg_users:\n"
              "  - { name: dbuser_ro, password: Ro.Pass.4711, roles: [dbrole_readonly], pgbouncer: true }\n"
              "  - { name: dbuser_rw, password: Rw.Pass.4711, roles: [dbrole_readwrite], pgbouncer: true }\n")
s = s.replace("pg_hba_rules:\n", "pg_hba_rules:\n"
              "  - { user: '+dbrole_readonly', db: all, addr: 127.0.0.5/32, auth: pwd, title: 'the app host' }\n")
s += "pgb_hba_rules:\n  - { user: '+dbrole_readonly', db: all, addr: 127.0.0.5/32, auth: pwd }\n"
open(sys.argv[2] + "/acl.yml", "w").write(s)
bad = {
    "trust": s.replace("pg_hba_rules:\n", "pg_hba_rules:\n"
                       "  - { user: all, db: all, addr: intra, auth: trust }\n"),
    "password": s.replace("pg_hba_rules:\n", "pg_hba_rules:\n"
                          "  - rules: [ 'host all all 10.0.0.0/8 password' ]\n"),
    "pgb": s.replace("pgb_hba_rules:\n", "pgb_hba_rules:\n"
                     "  - { user: all, db: all, addr: world, auth: trust }\n"),
}
for k, v in bad.items():
    open(sys.argv[2] + "/bad-%s.yml" % k, "w").write(v)
EOF
line_of() { grep -n "$2" "$ROOT/root/$1" | head -n 1 | cut -d: -f1; }
for b in trust password pgb; do
	case $b in
	trust) l=$(line_of bad-trust.yml 'auth: trust'); want="/root/bad-trust.yml:$l:[0-9]*: 'auth: trust': trust and password (cleartext)" ;;
	password) l=$(line_of bad-password.yml "10.0.0.0/8 password"); want="/root/bad-password.yml:$l:[0-9]*: 'host all all 10.0.0.0/8 password': trust and password (cleartext)" ;;
	pgb) l=$(line_of bad-pgb.yml 'addr: world, auth: trust'); want="/root/bad-pgb.yml:$l:[0-9]*: 'auth: trust'" ;;
	esac
	if installer "$T_TMP/bad-$b.log" install --yes --config "/root/bad-$b.yml"; then
		not_ok "a $b rule to the network is refused" "install succeeded"
	elif grep -q "$want" "$T_TMP/bad-$b.log"; then
		ok "a $b rule to the network is refused at its line: $(grep -o "/root/bad-$b.yml:[0-9]*:[0-9]*" "$T_TMP/bad-$b.log" | head -n 1)"
	else
		not_ok "a $b rule to the network is refused at its line $l" "$(tail -n 2 "$T_TMP/bad-$b.log")"
	fi
done

start=$(date +%s)
if installer "$T_TMP/install.log" install --yes --config /root/acl.yml; then
	ok "install with the Pigsty-style config ($(( $(date +%s) - start ))s, $(changes "$T_TMP/install.log" | wc -l) changes)"
else
	not_ok "install with the Pigsty-style config" "$(tail -n 8 "$T_TMP/install.log")"
	exit 1
fi
RO=Ro.Pass.4711 RW=Rw.Pass.4711
ADM=$(password_of dbuser_meta)
MON=$(password_of dbuser_monitor)

# ---- dbrole_readonly, dbrole_readwrite, dbrole_admin ----
sql "create table seed (id int primary key, v text); insert into seed values (1, 'a')" >/dev/null
sql "alter table seed owner to dbuser_meta; grant select on seed to dbrole_readonly; grant insert, update, delete on seed to dbrole_readwrite" >/dev/null
fails() { ! as "$@" >"$T_TMP/fail.log" 2>&1 && grep -q 'permission denied' "$T_TMP/fail.log"; }
if [ "$(as dbuser_ro "$RO" 'select v from seed' 2>&1)" = a ] &&
   fails dbuser_ro "$RO" "insert into seed values (2, 'b')" &&
   fails dbuser_ro "$RO" 'create table t_ro (x int)' &&
   fails dbuser_ro "$RO" 'truncate seed'; then
	ok "dbrole_readonly: select works; insert, create table and truncate are denied"
else
	not_ok "dbrole_readonly" "$(cat "$T_TMP/fail.log")"
fi
if as dbuser_rw "$RW" "insert into seed values (2, 'b'); update seed set v = 'c' where id = 2; delete from seed where id = 2" >/dev/null 2>&1 &&
   fails dbuser_rw "$RW" 'create table t_rw (x int)'; then
	ok "dbrole_readwrite: insert, update and delete work; create table is denied"
else
	not_ok "dbrole_readwrite" "$(as dbuser_rw "$RW" "insert into seed values (3, 'x')" 2>&1; cat "$T_TMP/fail.log")"
fi
if as dbuser_meta "$ADM" "create table later (id serial primary key, v text); insert into later (v) values ('made by admin')" >/dev/null 2>&1 &&
   [ "$(as dbuser_ro "$RO" 'select v from later' 2>&1)" = "made by admin" ] &&
   as dbuser_rw "$RW" "insert into later (v) values ('rw'); update later set v = 'rw2' where v = 'rw'; delete from later where v = 'rw2'" >/dev/null 2>&1 &&
   fails dbuser_ro "$RO" "insert into later (v) values ('no')"; then
	ok "dbrole_admin: create table works; the new table (and its sequence) is readable by readonly and writable by readwrite with no further grant"
else
	not_ok "default privileges of a table made by dbrole_admin" "$(as dbuser_rw "$RW" "insert into later (v) values ('rw')" 2>&1 | tail -n 1)"
fi
if [ "$(as dbuser_ro "$RO" 'select v from seed where id = 1' 6432 2>&1)" = a ]; then
	ok "the readonly user is served through PgBouncer (auth_type hba, +dbrole_readonly)"
else
	not_ok "readonly through PgBouncer" "$(as dbuser_ro "$RO" 'select 1' 6432 2>&1 | tail -n 1)"
fi

# ---- dbuser_monitor: everyone's activity, nothing else ----
inside sh -c "PGPASSWORD='$ADM' psql -X -At 'host=127.0.0.1 user=dbuser_meta dbname=meta sslmode=disable' -c 'select pg_sleep(30) /* admin-sleeps */' >/dev/null 2>&1 &"
sleep 2
seen=$(as dbuser_monitor "$MON" "select count(*) from pg_stat_activity where usename = 'dbuser_meta' and query like '%admin-sleeps%' and query not like '%pg_stat_activity%'" 2>&1)
if [ "$seen" = 1 ] && fails dbuser_monitor "$MON" 'select * from seed' &&
   fails dbuser_monitor "$MON" 'create table t_mon (x int)' &&
   fails dbuser_monitor "$MON" 'select * from later'; then
	ok "dbuser_monitor reads another user's query in pg_stat_activity, and no table, and creates nothing"
else
	not_ok "dbuser_monitor" "seen: $seen; $(cat "$T_TMP/fail.log")"
fi
roles=$(sql "select string_agg(b.rolname, ',' order by b.rolname) from pg_auth_members m join pg_roles a on a.oid = m.member join pg_roles b on b.oid = m.roleid where a.rolname = 'dbuser_monitor'" postgres)
if [ "$roles" = pg_monitor ]; then
	ok "dbuser_monitor is in pg_monitor only"
else
	not_ok "dbuser_monitor's roles" "$roles"
fi

# ---- addresses: listed 127.0.0.5, unlisted 127.0.0.9 ----
pg5=$(probe 127.0.0.5 5432 dbuser_ro 2>&1) pg9=$(probe 127.0.0.9 5432 dbuser_ro 2>&1)
b5=$(probe 127.0.0.5 6432 dbuser_ro 2>&1) b9=$(probe 127.0.0.9 6432 dbuser_ro 2>&1)
case "$pg5|$pg9" in
"auth 10|error: no pg_hba.conf entry for host \"127.0.0.9\""*)
	ok "PostgreSQL: from the listed 127.0.0.5 it asks for the password (SASL); from 127.0.0.9 '${pg9#error: }'" ;;
*)	not_ok "PostgreSQL refuses an unlisted address" "127.0.0.5: $pg5; 127.0.0.9: $pg9" ;;
esac
case "$b5|$b9" in
"auth 10|error: "*)
	ok "PgBouncer: from the listed 127.0.0.5 it asks for the password (SASL); from 127.0.0.9 '${b9#error: }'" ;;
*)	not_ok "PgBouncer refuses an unlisted address" "127.0.0.5: $b5; 127.0.0.9: $b9" ;;
esac

# ---- idempotent; drift reported, restored only when asked ----
if installer "$T_TMP/again.log" install --yes --config /root/acl.yml && ! changes "$T_TMP/again.log" >/dev/null; then
	ok "a second run changes nothing"
else
	not_ok "a second run changes nothing" "$(changes "$T_TMP/again.log" | head -n 5; tail -n 3 "$T_TMP/again.log")"
fi
sql "alter default privileges for role dbuser_meta revoke select on tables from dbrole_readonly" >/dev/null
has_default() { sql "select count(*) from pg_default_acl d, aclexplode(d.defaclacl) a where pg_get_userbyid(d.defaclrole) = 'dbuser_meta' and d.defaclobjtype = 'r' and pg_get_userbyid(a.grantee) = 'dbrole_readonly' and a.privilege_type = 'SELECT'"; }
if installer "$T_TMP/drift.log" install --yes --config /root/acl.yml &&
   grep -q "database meta: 'default dbuser_meta TABLES dbrole_readonly +SELECT' of the access-control model was revoked by hand: left so" "$T_TMP/drift.log" &&
   [ "$(has_default)" = 0 ]; then
	ok "a default privilege revoked by hand is reported and left so: $(grep -o "'default dbuser_meta[^']*'" "$T_TMP/drift.log" | head -n 1)"
else
	not_ok "drift reported" "$(grep -i 'revoked\|warn' "$T_TMP/drift.log" | head -n 3); has: $(has_default)"
fi
printf 'pg_acl_drift: restore\n' | inside sh -c 'cat /root/acl.yml - >/root/restore.yml'
if installer "$T_TMP/restore.log" install --yes --config /root/restore.yml &&
   grep -q "put back (pg_acl_drift: restore)" "$T_TMP/restore.log" && [ "$(has_default)" = 1 ] &&
   installer "$T_TMP/after.log" install --yes --config /root/restore.yml &&
   ! changes "$T_TMP/after.log" >/dev/null; then
	ok "pg_acl_drift: restore puts it back; the run after changes nothing"
else
	not_ok "pg_acl_drift: restore" "$(changes "$T_TMP/restore.log" | head -n 3); has: $(has_default); $(changes "$T_TMP/after.log" | head -n 3)"
fi
