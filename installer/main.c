/*
 * main.c - pgbundle-installer's command line: the options every command
 * shares, the table of commands (one cmd_*.c file each, as git's builtin/),
 * and opening the .run before a command runs: its layout checked, its
 * bundle.json parsed and the keys it must be signed by decided (trust.c).
 * Each command then verifies the file in the one pass that also reads its
 * payload (payload.c), and uses nothing of it before that pass succeeded.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "inst.h"
#include "module.h"
#include "runfile.h"

#define PROG "pgbundle-installer"
#define SELF "/proc/self/exe"

/* What a command needs of the .run: nothing, or opened with a trust decision. */
enum { RUN_NONE, RUN_SHOW = 1 + INST_TRUST_SHOW, RUN_TRUSTED = 1 + INST_TRUST_REQUIRED,
       RUN_INSTALL = 1 + INST_TRUST_INSTALL };

struct command {
	const char *name;
	int (*fn)(const struct inst_opts *o);
	int needs_run;		/* RUN_*: open the .run and decide trust first */
	int min_args, max_args;
	const char *args;	/* operands, for the usage line */
	const char *summary;
	const char *help;
};

static const struct command commands[] = {
	{ "install", cmd_install, RUN_INSTALL, 0, 0, "",
	  "verify, check the host, install and start PostgreSQL (the default)",
	  "Verifies the whole file while unpacking the repository under the prefix,\n"
	  "checks this host against the bundle's target, makes the repository apt's (or\n"
	  "dnf's) only source, installs the packages of the config's modules and sets up\n"
	  "PostgreSQL (and PgBouncer) from the config.  Running it again changes only\n"
	  "what differs from the config.  The key that signed the bundle is pinned in\n"
	  INST_TRUST_DIR ": later bundles must be signed by it (or by a key it\n"
	  "vouched for with `pgbundle key rotate`), and not be older than this one\n"
	  "(--allow-downgrade).\n"
	  "With --dry-run it prints every step and the package transaction, and changes\n"
	  "nothing.\n" },
	{ "verify", cmd_verify, RUN_TRUSTED, 0, 0, "",
	  "check the signature, the payload hash and that every entry is safe",
	  "Checks the signature over the whole file, the payload's SHA-256, and reads\n"
	  "every archive entry to make sure it can be extracted safely.  Writes nothing.\n"
	  "Says which key signed it and where the trust in that key comes from.\n"
	  "A .run can only vouch for itself: to check a file you do not trust yet, use a\n"
	  "pgbundle-installer you trust with --file RUN --key PUB.\n" },
	{ "info", cmd_info, RUN_SHOW, 0, 0, "",
	  "what the bundle holds (--json for scripts)",
	  "Prints the bundle's name, version, target, PostgreSQL majors, extensions,\n"
	  "modules, package count, sizes, build date and signing key, after verifying\n"
	  "the file.  --json prints one JSON object instead.\n" },
	{ "list", cmd_list, RUN_SHOW, 0, 0, "",
	  "the packages in the bundle",
	  "Prints one line per package of the bundle's repository: name, version and\n"
	  "architecture.  --json prints a JSON array instead.\n" },
	{ "extract", cmd_extract, RUN_TRUSTED, 1, 1, "DIR",
	  "unpack the bundle's repository into DIR (new or empty)",
	  "Unpacks the payload into DIR, an empty directory of yours that no one else can\n"
	  "write to, or a new one in an existing parent.  Every entry is checked:\n"
	  "absolute paths, \"..\", links leaving DIR, devices and setuid/setgid bits are\n"
	  "refused.  The files appear in DIR only once the whole file verified; on any\n"
	  "error DIR is left as it was.\n"
	  "A delta bundle needs --base REPO, the repository of the bundle it updates (as\n"
	  "install or extract left it): DIR then gets the whole new repository.\n"
	  "With --dry-run it only checks the entries.\n" },
	{ "pki", cmd_pki, RUN_SHOW, 2, 2, "init DIR",
	  "a cluster's CA, certificates and secrets, for install --pki DIR",
	  "With --config FILE (the cluster's config), makes in DIR a CA, a certificate for\n"
	  "every host of the config (its address, 127.0.0.1, its nodename, the VIP) and\n"
	  "every secret the cluster shares that the config does not state (replication,\n"
	  "admin and REST passwords, the users' passwords).  Run it once, on any machine;\n"
	  "copy DIR without ca.key to every node and install there with --pki DIR.  Run\n"
	  "again on a changed config, it adds what is missing and keeps the rest.\n" },
	{ "status", cmd_status, RUN_NONE, 0, 0, "",
	  "this node's and the cluster's state (--json for scripts)",
	  "Prints, for each module the config gives this host, its state: etcd members\n"
	  "and health, Patroni members with role, lag and timeline, the services and\n"
	  "their ports.  Reads the config install ran with (" INST_STATE_CONFIG "),\n"
	  "or --config FILE.  Exits 0 when every module serves, 3 when one does not.\n"
	  "--json prints one JSON object instead.\n" },
	{ "vip-callback", cmd_vip_callback, RUN_NONE, 3, 3, "ACTION ROLE CLUSTER",
	  "(Patroni's callback: moves the VIP; installed as /usr/lib/pgbundle/pgbundle-vip)",
	  "Patroni runs it on every start, stop, restart and role change of PostgreSQL: it\n"
	  "holds the VIP of /etc/pgbundle/vip when ROLE is the primary, else lets it go.\n" },
	{ "pitr", cmd_pitr, RUN_NONE, 0, 0, "--time TIMESTAMP",
	  "restore the cluster to a point in time from pgBackRest's repository",
	  "Restores PostgreSQL to TIMESTAMP ('2026-01-31 12:34:56+00', any form\n"
	  "PostgreSQL reads) from the pgBackRest repository, after a backup that ended\n"
	  "before it.  Run it on every member of the cluster, in any order: the member\n"
	  "that leads restores (it waits until the others have stopped), promotes on a\n"
	  "new timeline and leads again; the others stop, then clone it again as\n"
	  "replicas.  On a host without Patroni it stops PostgreSQL, restores and starts\n"
	  "it.  Everything written after TIMESTAMP is lost.\n" },
	{ "uninstall", cmd_uninstall, RUN_NONE, 0, 0, "",
	  "restore the host's apt or dnf sources and remove the bundle's source",
	  "Puts back the apt sources (EL: the .repo files) that install moved aside and\n"
	  "removes the bundle's source and key.  Works without a valid .run.\n" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(*commands))

static const char options_help[] =
	"Options:\n"
	"  --prefix DIR     where bundle repositories live (default " INST_DEFAULT_PREFIX ")\n"
	"  --config FILE    use this installer config instead of the bundled one\n"
	"  --key PUB        trust this public key (binary or armored; the pgbundle.asc\n"
	"                   beside the signing key): the bundle must be signed by it\n"
	"  --fingerprint FPR  trust the key embedded in the file if it has this\n"
	"                   fingerprint (pgbundle keygen and build print it)\n"
	"  --trust-embedded-key  trust the key embedded in the file, whatever it is\n"
	"                   (logged): it proves the file intact, not who made it\n"
	"  --allow-downgrade  install a bundle older than the one installed\n"
	"  --file RUN       act on this .run instead of the running file\n"
	"  --base REPO      extract: the repository a delta bundle updates\n"
	"  -y, --yes        do not ask before changing the host (nor whether to trust\n"
	"                   the embedded key: without a trusted key, refuse)\n"
	"  -n, --dry-run    print every step and the package transaction; change nothing\n"
	"  --root DIR       EL bundles: install into the system image at DIR (dnf\n"
	"                   --installroot, rpm --root) instead of this host; the\n"
	"                   packages only: PostgreSQL is set up on the running system\n"
	"  --no-start       install and configure, but start no service\n"
	"  --force          allow a host whose release codename differs from the bundle's\n"
	"                   (same family and architecture); the pre-flight still runs\n"
	"  --purge          uninstall: also drop the clusters, purge the packages and\n"
	"                   remove the repository and credentials pgbundle installed\n"
	"  --pki DIR        install: the cluster's CA, this node's certificate and the\n"
	"                   cluster's secrets, from `pki init DIR --config FILE`\n"
	"  --wait SECONDS   install: how long to wait for peers (etcd quorum, the\n"
	"                   leader) before giving up (default 600)\n"
	"  --json           info, list, status: print JSON\n"
	"  --time TIMESTAMP pitr: the point in time to restore to\n"
	"  -h, --help       this text; `" PROG " COMMAND --help` for a command\n";

int inst_print_error(const struct pgb_err *err)
{
	fprintf(stderr, PROG ": %s\n", err->msg);
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [OPTIONS] [COMMAND] [ARGS]\n\n"
		"Installs the PostgreSQL bundle carried in this file on this host, offline.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char head[32];

		snprintf(head, sizeof(head), "%s %s", commands[i].name, commands[i].args);
		fprintf(f, "  %-15s  %s\n", head, commands[i].summary);
	}
	fprintf(f, "  %-15s  %s\n", "help [COMMAND]", "this text, or a command's");
	fprintf(f, "  %-15s  %s\n\n%s", "help config", "the config's keys (a Markdown table)",
		options_help);
}

static void command_help(const struct command *c)
{
	printf("usage: " PROG " [OPTIONS] %s%s%s\n\n%s\n%s", c->name, *c->args ? " " : "", c->args,
	       c->help, options_help);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

enum {
	OPT_PREFIX = 256, OPT_CONFIG, OPT_KEY, OPT_FILE, OPT_NO_START, OPT_FORCE, OPT_JSON,
	OPT_PURGE, OPT_BASE, OPT_ROOT, OPT_PKI, OPT_WAIT, OPT_TIME, OPT_FINGERPRINT,
	OPT_TRUST_EMBEDDED, OPT_ALLOW_DOWNGRADE
};

/* Options may come before or after the command (getopt_long permutes argv). */
static int parse_options(int argc, char **argv, struct inst_opts *o, int *help)
{
	static const struct option longopts[] = {
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "fingerprint", required_argument, NULL, OPT_FINGERPRINT },
		{ "trust-embedded-key", no_argument, NULL, OPT_TRUST_EMBEDDED },
		{ "allow-downgrade", no_argument, NULL, OPT_ALLOW_DOWNGRADE },
		{ "file", required_argument, NULL, OPT_FILE },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-start", no_argument, NULL, OPT_NO_START },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "purge", no_argument, NULL, OPT_PURGE },
		{ "base", required_argument, NULL, OPT_BASE },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "pki", required_argument, NULL, OPT_PKI },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "ynh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PREFIX: o->prefix = optarg; break;
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_KEY: o->key = optarg; break;
		case OPT_FINGERPRINT: o->fingerprint = optarg; break;
		case OPT_TRUST_EMBEDDED: o->trust_embedded = 1; break;
		case OPT_ALLOW_DOWNGRADE: o->allow_downgrade = 1; break;
		case OPT_FILE: o->self = optarg; break;
		case 'y': o->yes = 1; break;
		case 'n': o->dry_run = 1; break;
		case OPT_NO_START: o->no_start = 1; break;
		case OPT_FORCE: o->force = 1; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_PURGE: o->purge = 1; break;
		case OPT_BASE: o->base = optarg; break;
		case OPT_ROOT: o->root = optarg; break;
		case OPT_PKI: o->pki = optarg; break;
		case OPT_WAIT:
			o->wait_s = atoi(optarg);
			if (o->wait_s <= 0) {
				fprintf(stderr, PROG ": --wait takes a number of seconds, not "
					"\"%s\"\n", optarg);
				return -1;
			}
			break;
		case OPT_TIME: o->pitr_time = optarg; break;
		case 'h': *help = 1; break;
		default:
			fprintf(stderr, "Try `" PROG " --help'.\n");
			return -1;
		}
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	if (o->key && o->fingerprint) {
		fprintf(stderr, PROG ": give --key or --fingerprint, not both\n");
		return -1;
	}
	if (!*o->prefix || *o->prefix != '/') {
		fprintf(stderr, PROG ": --prefix must be an absolute path, not \"%s\"\n", o->prefix);
		return -1;
	}
	if (*o->root && (*o->root != '/' || !strcmp(o->root, "/") || strstr(o->root, ".."))) {
		fprintf(stderr, PROG ": --root must be the absolute path of an image root, not "
			"\"%s\"\n", o->root);
		return -1;
	}
	return 0;
}

/* The running file must be the one verified (not another file renamed onto its path). */
static int same_as_running(const struct runfile *run, struct pgb_err *err)
{
	struct stat a, b;

	if (runfile_fstat(run, &a) < 0 || stat(SELF, &b) < 0)
		return pgb_failsys(err, "cannot compare %s with the running program",
				   runfile_path(run));
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return pgb_fail(err, "%s was replaced while starting; run it again",
				runfile_path(run));
	return 0;
}

/* Open the .run, parse what it claims, decide which keys must have signed it. */
static int open_bundle(struct inst_opts *o, int from_self, int mode, struct inst_bundle *b,
		       struct inst_trust *t, struct pgb_err *err)
{
	const char *meta;
	char *what;
	size_t len;
	int rc;

	if (from_self && access(SELF, R_OK) < 0)
		return pgb_failsys(err, "cannot read the running file through %s (is /proc "
				   "mounted?); give its path with --file RUN", SELF);
	if (runfile_open(&o->run, o->self, err) < 0)
		return -1;
	if (from_self && same_as_running(o->run, err) < 0)
		return -1;
	meta = runfile_meta(o->run, &len);
	what = xasprintf("%s (its bundle.json)", o->self);
	rc = inst_bundle_parse(b, meta, len, what, err);
	free(what);
	if (rc < 0)
		return -1;
	if (strcmp(b->key_fpr, runfile_claimed_signer(o->run)))
		return pgb_fail(err, "%s: its bundle.json names the bundle key %s, but the file's "
				"signature names %s: refusing an inconsistent bundle", o->self,
				b->key_fpr, *runfile_claimed_signer(o->run) ?
				runfile_claimed_signer(o->run) : "no key embedded in it");
	o->bundle = b;
	if (inst_trust_decide(t, o, mode, err) < 0)
		return -1;
	o->trust = t;
	return 0;
}

/* The running file's path, for messages (SELF itself when that path is gone). */
static char *self_path(void)
{
	char buf[4096];
	ssize_t n = readlink(SELF, buf, sizeof(buf) - 1);

	if (n <= 0)
		return xstrdup(SELF);
	buf[n] = '\0';
	/* A deleted or moved file can only be read through /proc. */
	return xstrdup(access(buf, R_OK) == 0 ? buf : SELF);
}

static int run_command(const struct command *c, struct inst_opts *o, int from_self)
{
	struct inst_bundle b;
	struct inst_trust t;
	struct pgb_err err;
	int rc;

	memset(&b, 0, sizeof(b));
	memset(&t, 0, sizeof(t));
	if (o->argc - 1 < c->min_args || o->argc - 1 > c->max_args) {
		fprintf(stderr, "usage: " PROG " [OPTIONS] %s %s\n", c->name, c->args);
		return 2;
	}
	o->argc--;
	o->argv++;
	if (c->needs_run && open_bundle(o, from_self, c->needs_run - 1, &b, &t, &err) < 0)
		rc = inst_print_error(&err);
	else
		rc = c->fn(o);
	runfile_close(o->run);
	o->run = NULL;
	inst_bundle_free(&b);
	inst_trust_free(&t);
	return rc;
}

int main(int argc, char **argv)
{
	char install[] = "install", *default_cmd[] = { install, NULL };
	struct inst_opts o;
	const struct command *c;
	char *self = NULL, *trust_dir = NULL;
	int help = 0, rc;

	/* A static binary must not read the host's openssl.cnf or load its modules. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	memset(&o, 0, sizeof(o));
	o.prefix = INST_DEFAULT_PREFIX;
	o.trust_dir = INST_TRUST_DIR;
	o.root = "";
	if (parse_options(argc, argv, &o, &help) < 0)
		return 2;
	if (o.argc == 0) {
		o.argc = 1;
		o.argv = default_cmd;
	}
	if (!strcmp(o.argv[0], "help") && o.argc > 1 && !strcmp(o.argv[1], "config")) {
		struct sbuf keys = SBUF_INIT;

		inst_cfg_keys_markdown(&keys);
		fputs(keys.buf, stdout);
		sbuf_free(&keys);
		return 0;
	}
	if (!strcmp(o.argv[0], "help") || (help && o.argc == 1 && o.argv == default_cmd)) {
		c = o.argc > 1 ? find_command(o.argv[1]) : NULL;
		if (c)
			command_help(c);
		else
			usage(stdout);
		return 0;
	}
	c = find_command(o.argv[0]);
	if (!c) {
		fprintf(stderr, PROG ": unknown command \"%s\"\n\n", o.argv[0]);
		usage(stderr);
		return 2;
	}
	if (help) {
		command_help(c);
		return 0;
	}
	if (!o.self)
		o.self = self = self_path();
	/* An image installed with --root keeps its own pins, as its state. */
	if (*o.root)
		o.trust_dir = trust_dir = xasprintf("%s%s", o.root, INST_TRUST_DIR);
	rc = run_command(c, &o, self != NULL);
	free(self);
	free(trust_dir);
	return rc;
}
