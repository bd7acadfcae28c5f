# tests/e2e/fixture_setup.sh - a private recipes directory and apt root for
# the fixture-archive tests.  Source after tests/lib.sh and fixture_repo.sh.
#
#   fixture_recipes DIR KEYRING      copy recipes/ to DIR, add the "fixture"
#                                    upstream (mirror key "fixture"), and point
#                                    the Ubuntu upstreams at KEYRING
#   fixture_recipes_rpm DIR KEYRING  give every rpm upstream KEYRING
#   apt_sim ROOT TOP PKG...          apt-get update (signature checked) and a
#                                    simulated install from bundle TOP in a
#                                    private apt root; prints apt's output

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

apt_sim() {
	root=$1 top=$2
	shift 2
	mkdir -p "$root/etc/apt/sources.list.d" "$root/etc/apt/preferences.d" \
		"$root/etc/apt/apt.conf.d" "$root/var/lib/apt/lists/partial" \
		"$root/var/cache/apt/archives/partial" "$root/var/lib/dpkg"
	: >"$root/var/lib/dpkg/status"
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
	sed -i "/^  family: rpm\$/a\\  keyring: $2" "$1/repos.yml"
}
