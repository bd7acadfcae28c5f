# tests/e2e/fixture_setup.sh - a private recipes directory and apt root for
# the fixture-archive tests.  Source after tests/lib.sh and fixture_repo.sh.
#
#   fixture_recipes DIR KEYRING      copy recipes/ to DIR, add the "fixture"
#                                    upstream (mirror key "fixture"), and point
#                                    the Ubuntu upstreams at KEYRING
#   fixture_recipes_security DIR KEYRING   after fixture_recipes, add
#                                    "fixture-security" ({codename}-security
#                                    of the same mirror key)
#   fixture_recipes_rpm DIR KEYRING  give every rpm upstream KEYRING
#   apt_sim ROOT TOP PKG...          apt-get update (signature checked) and a
#                                    simulated install from bundle TOP in a
#                                    private apt root; prints apt's output;
#                                    the host's dpkg status is empty, or the
#                                    file APT_SIM_STATUS names

fixture_recipes() {
	rm -rf "$1" && cp -r "$TOP/recipes" "$1"
	sed -i "s|/usr/share/keyrings/ubuntu-archive-keyring.gpg|$2|" "$1/repos.yml"
	cat >>"$1/repos.yml" <<EOR

fixture:
  family: deb
  mirror: fixture
  suite: "{codename}"
  components: [main]
  keyring: $2
  checked: false
EOR
}

fixture_recipes_security() {
	cat >>"$1/repos.yml" <<EOR

fixture-security:
  family: deb
  mirror: fixture
  suite: "{codename}-security"
  components: [main]
  keyring: $2
  checked: false
EOR
}

apt_sim() {
	root=$1 top=$2
	shift 2
	mkdir -p "$root/etc/apt/sources.list.d" "$root/etc/apt/preferences.d" \
		"$root/etc/apt/apt.conf.d" "$root/var/lib/apt/lists/partial" \
		"$root/var/cache/apt/archives/partial" "$root/var/lib/dpkg"
	if [ -n "${APT_SIM_STATUS:-}" ]; then
		cp "$APT_SIM_STATUS" "$root/var/lib/dpkg/status"
	else
		: >"$root/var/lib/dpkg/status"
	fi
	echo "deb [signed-by=$top/pgbundle.gpg] file:$top pgbundle main" >"$root/etc/apt/sources.list"
	opts="-o Dir=$root -o Dir::State::status=$root/var/lib/dpkg/status
	      -o Dir::Etc::sourcelist=$root/etc/apt/sources.list -o Dir::Etc::sourceparts=-
	      -o Dir::Etc::parts=$root/etc/apt/apt.conf.d -o APT::Architecture=amd64
	      -o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	apt-get $opts update 2>&1 && apt-get $opts -s install "$@" 2>&1
}

# fixture_recipes_rpm DIR KEYRING: after fixture_recipes, every rpm upstream
# of DIR/repos.yml checked against KEYRING (the real ones name no keyring).
fixture_recipes_rpm() {
	fixture_rpm_keyrings "$1/repos.yml" "*=$2"
}

# fixture_rpm_keyrings FILE PREFIX=KEYRING...: give each rpm upstream of the
# repos.yml FILE the keyring of the first PREFIX its name starts with ("*"
# matches all) and drop its pinned fingerprints (the real keys' are not the
# fixtures').
fixture_rpm_keyrings() {
	f=$1
	shift
	awk -v specs="$*" '
		function keyring(name,   n, i, kv, p) {
			n = split(specs, kv, " ")
			for (i = 1; i <= n; i++) {
				p = substr(kv[i], 1, index(kv[i], "=") - 1)
				if (p == "*" || index(name, p) == 1)
					return substr(kv[i], index(kv[i], "=") + 1)
			}
			return ""
		}
		/^[a-z][a-z0-9-]*:$/ { name = substr($0, 1, length($0) - 1); rpm = 0; skip = 0 }
		/^  family: rpm$/ { rpm = 1; print; k = keyring(name); if (k != "") print "  keyring: " k; next }
		skip && /^    / { next }
		{ skip = 0 }
		rpm && /^  fingerprint:/ { skip = 1; next }
		{ print }' "$f" >"$f.new" && mv "$f.new" "$f"
}
