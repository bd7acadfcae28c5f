/*
 * main.c - pgbundle-installer's command line: the options every command
 * shares, the table of commands (one cmd_*.c file each, as git's builtin/),
 * and opening the .run before a command runs, so that no command can touch
 * the host with a file whose signature and payload hash were not checked.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "inst.h"
#include "runfile.h"

#define PROG "pgbundle-installer"
#define SELF "/proc/self/exe"

struct command {
	const char *name;
	int (*fn)(const struct inst_opts *o);
	int needs_run;		/* open and verify the .run first */
	int min_args, max_args;
	const char *args;	/* operands, for the usage line */
	const char *summary;
	const char *help;
};

static const struct command commands[] = {
	{ "install", cmd_install, 1, 0, 0, "",
	  "verify, check the host, install and start PostgreSQL (the default)",
	  "Verifies the whole file, checks this host against the bundle's target, unpacks\n"
	  "the repository under the prefix, makes it apt's (or dnf's) only source, installs the\n"
	  "packages of the config's modules and sets up PostgreSQL (and PgBouncer) from\n"
	  "the config.  Running it again changes only what differs from the config.\n"
	  "With --dry-run it prints every step and the package transaction, and changes\n"
	  "nothing.\n" },
	{ "verify", cmd_verify, 1, 0, 0, "",
	  "check the signature, the payload hash and that every entry is safe",
	  "Checks the signature over the whole file (by the key embedded in it, or by\n"
	  "--key PUB), the payload's SHA-256, and reads every archive entry to make sure\n"
	  "it can be extracted safely.  Writes nothing.\n"
	  "A .run can only vouch for itself: to check a file you do not trust yet, use a\n"
	  "pgbundle-installer you trust with --file RUN --key PUB.\n" },
	{ "info", cmd_info, 1, 0, 0, "",
	  "what the bundle holds (--json for scripts)",
	  "Prints the bundle's name, version, target, PostgreSQL majors, extensions,\n"
	  "modules, package count, sizes, build date and signing key, after verifying\n"
	  "the file.  --json prints one JSON object instead.\n" },
	{ "list", cmd_list, 1, 0, 0, "",
	  "the packages in the bundle",
	  "Prints one line per package of the bundle's repository: name, version and\n"
	  "architecture.  --json prints a JSON array instead.\n" },
	{ "extract", cmd_extract, 1, 1, 1, "DIR",
	  "unpack the bundle's repository into DIR (new or empty)",
	  "Unpacks the payload into DIR, an empty directory or a new one in an existing\n"
	  "parent.  Every entry is checked: absolute paths, \"..\", links leaving DIR,\n"
	  "devices and setuid/setgid bits are refused, and on any error DIR is left as\n"
	  "it was.\n"
	  "With --dry-run it only checks the entries.\n" },
	{ "uninstall", cmd_uninstall, 0, 0, 0, "",
	  "restore the host's apt or dnf sources and remove the bundle's source",
	  "Puts back the apt sources (EL: the .repo files) that install moved aside and\n"
	  "removes the bundle's source and key.  Works without a valid .run.\n" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(*commands))

static const char options_help[] =
	"Options:\n"
	"  --prefix DIR     where bundle repositories live (default " INST_DEFAULT_PREFIX ")\n"
	"  --config FILE    use this installer config instead of the bundled one\n"
	"  --key PUB        verify with this public key (binary or armored) instead of\n"
	"                   the key embedded in the file\n"
	"  --file RUN       act on this .run instead of the running file\n"
	"  -y, --yes        do not ask before changing the host\n"
	"  -n, --dry-run    print every step and the package transaction; change nothing\n"
	"  --root DIR       EL bundles: install into the system image at DIR (dnf\n"
	"                   --installroot, rpm --root) instead of this host; the\n"
	"                   packages only: PostgreSQL is set up on the running system\n"
	"  --no-start       install and configure, but start no service\n"
	"  --force          allow a host whose release codename differs from the bundle's\n"
	"                   (same family and architecture); the pre-flight still runs\n"
	"  --purge          uninstall: also drop the clusters, purge the packages and\n"
	"                   remove the repository and credentials pgbundle installed\n"
	"  --json           info, list: print JSON\n"
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
	fprintf(f, "  %-15s  %s\n\n%s", "help [COMMAND]", "this text, or a command's", options_help);
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

enum { OPT_PREFIX = 256, OPT_CONFIG, OPT_KEY, OPT_FILE, OPT_NO_START, OPT_FORCE, OPT_JSON, OPT_PURGE,
       OPT_ROOT };

/* Options may come before or after the command (getopt_long permutes argv). */
static int parse_options(int argc, char **argv, struct inst_opts *o, int *help)
{
	static const struct option longopts[] = {
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "file", required_argument, NULL, OPT_FILE },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-start", no_argument, NULL, OPT_NO_START },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "purge", no_argument, NULL, OPT_PURGE },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "ynh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PREFIX: o->prefix = optarg; break;
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_KEY: o->key = optarg; break;
		case OPT_FILE: o->self = optarg; break;
		case 'y': o->yes = 1; break;
		case 'n': o->dry_run = 1; break;
		case OPT_NO_START: o->no_start = 1; break;
		case OPT_FORCE: o->force = 1; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_PURGE: o->purge = 1; break;
		case OPT_ROOT: o->root = optarg; break;
		case 'h': *help = 1; break;
		default:
			fprintf(stderr, "Try `" PROG " --help'.\n");
			return -1;
		}
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
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

	if (fstat(runfile_fd(run), &a) < 0 || stat(SELF, &b) < 0)
		return pgb_failsys(err, "cannot compare %s with the running program",
				   runfile_path(run));
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return pgb_fail(err, "%s was replaced while starting; run it again",
				runfile_path(run));
	return 0;
}

static int open_bundle(struct inst_opts *o, int from_self, struct inst_bundle *b,
		       struct pgb_err *err)
{
	const char *meta;
	char *what;
	size_t len;
	int rc;

	if (from_self && access(SELF, R_OK) < 0)
		return pgb_failsys(err, "cannot read the running file through %s (is /proc "
				   "mounted?); give its path with --file RUN", SELF);
	if (runfile_open(&o->run, o->self, o->key, err) < 0)
		return -1;
	if (from_self && same_as_running(o->run, err) < 0)
		return -1;
	meta = runfile_meta(o->run, &len);
	what = xasprintf("%s (its bundle.json)", o->self);
	rc = inst_bundle_parse(b, meta, len, what, err);
	free(what);
	if (rc < 0)
		return -1;
	if (strcmp(b->key_fpr, runfile_signer(o->run)))
		return pgb_fail(err, "%s: its bundle.json names the bundle key %s, but the file is "
				"signed by %s: refusing an inconsistent bundle", o->self, b->key_fpr,
				runfile_signer(o->run));
	o->bundle = b;
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
	struct pgb_err err;
	int rc;

	memset(&b, 0, sizeof(b));
	if (o->argc - 1 < c->min_args || o->argc - 1 > c->max_args) {
		fprintf(stderr, "usage: " PROG " [OPTIONS] %s %s\n", c->name, c->args);
		return 2;
	}
	o->argc--;
	o->argv++;
	if (c->needs_run && open_bundle(o, from_self, &b, &err) < 0)
		rc = inst_print_error(&err);
	else
		rc = c->fn(o);
	runfile_close(o->run);
	o->run = NULL;
	inst_bundle_free(&b);
	return rc;
}

int main(int argc, char **argv)
{
	char install[] = "install", *default_cmd[] = { install, NULL };
	struct inst_opts o;
	const struct command *c;
	char *self = NULL;
	int help = 0, rc;

	/* A static binary must not read the host's openssl.cnf or load its modules. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	memset(&o, 0, sizeof(o));
	o.prefix = INST_DEFAULT_PREFIX;
	o.root = "";
	if (parse_options(argc, argv, &o, &help) < 0)
		return 2;
	if (o.argc == 0) {
		o.argc = 1;
		o.argv = default_cmd;
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
	rc = run_command(c, &o, self != NULL);
	free(self);
	return rc;
}
