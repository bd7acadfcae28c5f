/*
 * host.c - is this host one the bundle was built for, and is there room?
 *
 * The OS comes from os-release (/etc/os-release, else /usr/lib/os-release,
 * as systemd specifies), the architecture from `dpkg --print-architecture`
 * (the name apt uses, which uname does not give: x86_64 vs amd64).  A bundle
 * carries packages resolved against one release, so the release must be
 * the same: a d12 bundle on a d13 host would install bookworm's libraries
 * over trixie's.  --force lets the codename differ (a derivative, or a
 * release upgraded in place) and nothing else; the pre-flight simulation
 * still refuses a transaction apt cannot do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "inst.h"

/* Unquote an os-release value in place: "..." and '...' with backslash
 * escapes inside double quotes, as the os-release format allows. */
static void unquote(char *v)
{
	char *w = v, q = 0;

	for (char *r = v; *r; r++) {
		if (!q && (*r == '"' || *r == '\'')) {
			q = *r;
		} else if (q && *r == q) {
			q = 0;
		} else if (q == '"' && *r == '\\' && r[1]) {
			*w++ = *++r;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static void set_field(struct host_info *h, const char *key, const char *val)
{
	char **slot = NULL;

	if (strcmp(key, "ID") == 0)
		slot = &h->id;
	else if (strcmp(key, "ID_LIKE") == 0)
		slot = &h->id_like;
	else if (strcmp(key, "VERSION_ID") == 0)
		slot = &h->version_id;
	else if (strcmp(key, "PRETTY_NAME") == 0)
		slot = &h->pretty;
	else if (strcmp(key, "VERSION_CODENAME") == 0 ||
		 (strcmp(key, "UBUNTU_CODENAME") == 0 && !h->codename))
		slot = &h->codename;
	if (!slot)
		return;
	free(*slot);
	*slot = xstrdup(val);
}

static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p;) {
		p += strspn(p, " ");
		if (strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += strcspn(p, " ");
	}
	return 0;
}

static const char *family_of(const struct host_info *h)
{
	if (!h->id)
		return "";
	if (strcmp(h->id, "debian") == 0 || strcmp(h->id, "ubuntu") == 0 ||
	    has_word(h->id_like, "debian") || has_word(h->id_like, "ubuntu"))
		return "deb";
	if (has_word(h->id_like, "rhel") || has_word(h->id_like, "fedora") ||
	    strcmp(h->id, "rhel") == 0 || strcmp(h->id, "fedora") == 0)
		return "rpm";
	return "";
}

int host_read_os_release(struct host_info *h, const char *path, struct pgb_err *err)
{
	char *data, *line, *save = NULL;
	size_t len;

	if (util_read_file(path, &data, &len, err) < 0)
		return -1;
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		line += strspn(line, " \t");
		if (*line == '#' || !eq)
			continue;
		*eq = '\0';
		unquote(eq + 1);
		set_field(h, line, eq + 1);
	}
	free(data);
	if (!h->id)
		return pgb_fail(err, "%s has no ID= line: cannot tell which OS this is", path);
	free(h->family);
	h->family = xstrdup(family_of(h));
	return 0;
}

static int probe_arch(struct host_info *h, struct pgb_err *err)
{
	const char *argv[] = { "dpkg", "--print-architecture", NULL };
	struct sbuf out = SBUF_INIT;
	int rc = inst_run(argv, &out, err);

	if (rc != 0) {
		if (rc > 0)
			pgb_fail(err, "dpkg --print-architecture failed (status %d): %s", rc,
				 out.buf ? out.buf : "");
		sbuf_free(&out);
		return -1;
	}
	out.buf[strcspn(out.buf, " \t\r\n")] = '\0';
	h->arch = sbuf_detach(&out, NULL);
	return 0;
}

int host_probe(struct host_info *h, const char *root, struct pgb_err *err)
{
	char *etc = xasprintf("%s/etc/os-release", root ? root : "");
	char *lib = xasprintf("%s/usr/lib/os-release", root ? root : "");
	struct utsname u;
	int rc = host_read_os_release(h, util_exists(etc) ? etc : lib, err);

	free(etc);
	free(lib);
	if (rc < 0)
		return -1;
	if (strcmp(h->family, "deb") == 0 && probe_arch(h, err) < 0)
		return pgb_err_prefix(err, "cannot tell this host's architecture");
	/* rpm names the architecture as the kernel does (x86_64, aarch64). */
	if (strcmp(h->family, "rpm") == 0 && uname(&u) == 0)
		h->arch = xstrdup(u.machine);
	return 0;
}

void host_info_free(struct host_info *h)
{
	free(h->id);
	free(h->id_like);
	free(h->version_id);
	free(h->codename);
	free(h->pretty);
	free(h->arch);
	free(h->family);
	memset(h, 0, sizeof(*h));
}

/* "Debian GNU/Linux 13 (trixie)" or whatever the host says it is. */
static const char *host_name(const struct host_info *h)
{
	return h->pretty ? h->pretty : h->id;
}

/* VERSION_ID "9.4" is release "9". */
static int release_matches(const char *version_id, const char *release)
{
	size_t n = strlen(release);

	return version_id && !strncmp(version_id, release, n) &&
	       (version_id[n] == '\0' || version_id[n] == '.');
}

int host_match(const struct host_info *h, const struct inst_bundle *b, int force,
	       struct strlist *warnings, struct pgb_err *err)
{
	const char *codename = h->codename ? h->codename : "";

	if (strcmp(h->family ? h->family : "", b->family) != 0)
		return pgb_fail(err, "this bundle (%s, target %s) is for %s hosts, but this host "
				"runs %s; use a bundle built for this OS", b->name, b->target,
				strcmp(b->family, "deb") == 0 ? "Debian/Ubuntu" : "EL",
				host_name(h));
	if (h->arch && strcmp(h->arch, b->arch) != 0)
		return pgb_fail(err, "this bundle (%s) holds %s packages, but this host's "
				"architecture is %s; build the bundle with arch: %s",
				b->name, b->arch, h->arch, h->arch);
	if (b->rpm.release && !release_matches(h->version_id, b->rpm.release)) {
		if (!force)
			return pgb_fail(err, "this bundle is for EL %s (target %s), but this host "
					"runs %s: install the bundle built for this release "
					"instead (or --force)", b->rpm.release, b->target,
					host_name(h));
		strlist_add_owned(warnings, xasprintf("--force: installing an EL %s bundle on %s",
						      b->rpm.release, host_name(h)));
	}
	if (b->codename && *b->codename && strcmp(codename, b->codename) != 0) {
		if (!force)
			return pgb_fail(err, "this bundle is for %s %s (target %s), but this "
					"host runs %s: install the bundle built for this "
					"release instead (or --force if this host is a "
					"compatible derivative of %s)", h->id, b->codename,
					b->target, host_name(h), b->codename);
		strlist_add_owned(warnings, xasprintf("--force: installing a %s bundle on %s",
						      b->codename, host_name(h)));
	}
	return 0;
}

int host_free_space(const char *path, uint64_t *avail, struct pgb_err *err)
{
	return util_free_space(path, avail, NULL, err);
}

int host_check_space(const char *path, uint64_t need, const char *what, struct pgb_err *err)
{
	struct util_space_need n = { path, need, what };

	return util_space_check(&n, 1, "free some space there (or choose another --prefix)", err);
}

/* A new cluster: initdb's files and the first WAL segments. */
#define CLUSTER_BYTES (64ull << 20)

int host_check(struct inst_ctx *ctx, uint64_t need_prefix, struct pgb_err *err)
{
	struct host_info h = { 0 };
	struct strlist warn = STRLIST_INIT;
	int rc = -1;

	if (ctx->root && *ctx->root && !util_exists(ctx->root))
		return pgb_fail(err, "--root %s does not exist: give the root of an EL system "
				"image (made with dnf --installroot, for one)", ctx->root);
	if (geteuid() != 0 && !ctx->dry_run)
		return pgb_fail(err, "install changes the system: run it as root (sudo), or "
				"with --dry-run to only see what it would do");
	if (host_probe(&h, ctx->root, err) < 0)
		return -1;
	if (host_match(&h, ctx->bundle, ctx->force, &warn, err) < 0)
		goto out;
	for (size_t i = 0; i < warn.n; i++)
		inst_log_warn(ctx->log, "%s", warn.v[i]);
	inst_log_info(ctx->log, "host: %s, %s; bundle: %s %s for %s (%s)", host_name(&h),
		      h.arch ? h.arch : "?", ctx->bundle->name, ctx->bundle->version,
		      ctx->bundle->target, ctx->bundle->arch);
	{
		/* Under --root when given; EL keeps its clusters in /var/lib/pgsql. */
		const uint64_t inst = ctx->bundle->installed_size;
		char *usr = inst_root_path(ctx, "/usr");
		char *data = inst_root_path(ctx, strcmp(ctx->bundle->family, "rpm") == 0
						 ? "/var/lib/pgsql" : "/var/lib/postgresql");
		struct util_space_need needs[] = {
			{ ctx->prefix, need_prefix, "the bundle's repository" },
			{ usr, inst + inst / 10, "its packages installed" },
			{ data, inst ? CLUSTER_BYTES : 0, "a new cluster" },
		};

		rc = util_space_check(needs, 3, "free some space there (or choose another "
				      "--prefix); nothing was changed", err);
		free(usr);
		free(data);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	strlist_free(&warn);
	host_info_free(&h);
	return rc;
}
