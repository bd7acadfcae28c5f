/*
 * run.c - run a program without a shell and collect what it prints.
 *
 * The child gets /dev/null or a pipe fed with stdin_text as its standard
 * input, and one pipe for stdout and stderr together, so the caller sees the
 * lines in the order the program wrote them (apt interleaves both).  Input
 * and output are pumped with poll() so that a child that writes much before
 * it reads cannot deadlock against us.
 *
 * inst_run_as() switches to a local user with setgid/setgroups/setuid,
 * reading /etc/passwd and /etc/group with fgetpwent/fgetgrent: the installer
 * is linked statically, where getpwnam() would need glibc's NSS modules at
 * run time, and the users it needs (postgres) are always local.
 *
 * The installer runs as root and runs apt-get, dpkg and systemctl by name:
 * a name is looked up in root's standard PATH (RUN_PATH), never the
 * caller's, and the child gets a clean environment (RUN_PATH, HOME, USER,
 * LOGNAME, LANG=C.UTF-8) instead of ours, so that neither a directory put
 * first in PATH nor anything exported (LD_PRELOAD, APT_CONFIG, PERL5LIB, ...)
 * changes what runs or how.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inst.h"

#define RUN_MAX_GROUPS 64
#define RUN_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Who to become in the child; resolved in the parent so errors are reported. */
struct run_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[RUN_MAX_GROUPS];
	int ngroups;
	char *name, *home;
};

int inst_local_user(const char *user, uid_t *uid, gid_t *gid, char **home, struct pgb_err *err)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	int found = 0;

	if (!f)
		return pgb_failsys(err, "cannot read /etc/passwd to find user %s", user);
	while (!found && (pw = fgetpwent(f)))
		if (strcmp(pw->pw_name, user) == 0) {
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
			if (home)
				*home = xstrdup(pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/");
			found = 1;
		}
	fclose(f);
	if (!found)
		return pgb_fail(err, "user %s does not exist in /etc/passwd "
				"(is the package that creates it installed?)", user);
	return 0;
}

static int find_passwd(const char *user, struct run_user *u, struct pgb_err *err)
{
	if (inst_local_user(user, &u->uid, &u->gid, &u->home, err) < 0)
		return -1;
	u->name = xstrdup(user);
	return 0;
}

/* The primary group plus every group of /etc/group that lists the user
 * (postgres is in ssl-cert on Debian, which the server needs). */
static void find_groups(struct run_user *u)
{
	FILE *f = fopen("/etc/group", "re");
	struct group *gr;

	u->groups[u->ngroups++] = u->gid;
	if (!f)
		return;
	while ((gr = fgetgrent(f)) && u->ngroups < RUN_MAX_GROUPS) {
		if (gr->gr_gid == u->gid)
			continue;
		for (char **m = gr->gr_mem; m && *m; m++)
			if (strcmp(*m, u->name) == 0) {
				u->groups[u->ngroups++] = gr->gr_gid;
				break;
			}
	}
	fclose(f);
}

/* In the child: become u.  Returns -1 on failure. */
static int child_become(const struct run_user *u)
{
	if (setgroups((size_t)u->ngroups, u->groups) < 0 || setgid(u->gid) < 0 ||
	    setuid(u->uid) < 0)
		return -1;
	/* root's working directory is usually closed to others. */
	if (chdir(u->home) < 0 && chdir("/") < 0)
		return -1;
	return 0;
}

/* What the child runs: prog as given when it holds a '/', else found in RUN_PATH. */
static char *find_program(const char *prog, struct pgb_err *err)
{
	const char *dir = RUN_PATH;

	if (strchr(prog, '/'))
		return xstrdup(prog);
	while (*dir) {
		size_t n = strcspn(dir, ":");
		char *path = xasprintf("%.*s/%s", (int)n, dir, prog);
		struct stat st;

		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
			return path;
		free(path);
		dir += n + (dir[n] == ':');
	}
	pgb_fail(err, "cannot run %s: %s (looked in %s)", prog, strerror(ENOENT), RUN_PATH);
	return NULL;
}

/* The child's whole environment: root's, or a login-like one for u. */
static void child_env(const struct run_user *u, struct strlist *env)
{
	const char *name = u ? u->name : "root", *home = u ? u->home : "/root";

	strlist_add(env, "PATH=" RUN_PATH);
	strlist_add_owned(env, xasprintf("HOME=%s", home));
	strlist_add_owned(env, xasprintf("USER=%s", name));
	strlist_add_owned(env, xasprintf("LOGNAME=%s", name));
	strlist_add(env, "LANG=C.UTF-8");
	strlist_add_owned(env, NULL);
}

/* In the child: wire the fds, become the user, exec path with env.  Why it
 * failed goes to err_fd (close-on-exec, so the parent reads nothing when
 * exec worked). */
static void child_exec(const char *path, const char *const *argv, char *const *env, int in_fd,
		       int out_fd, int err_fd, const struct run_user *u)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int e;

	if (in_fd < 0)
		in_fd = null;
	if (out_fd < 0)
		out_fd = null;
	if (in_fd < 0 || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		goto fail;
	signal(SIGPIPE, SIG_DFL);
	if (u && child_become(u) < 0)
		goto fail;
	execve(path, (char *const *)argv, env);
fail:
	e = errno;
	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Where the child's output goes. */
struct run_sink {
	struct sbuf *out;
	void (*line)(void *ctx, const char *line);
	void *ctx;
	struct sbuf part;	/* an unfinished line, for line */
};

static void sink_add(struct run_sink *k, const char *buf, size_t n)
{
	if (k->out)
		sbuf_add(k->out, buf, n);
	if (!k->line)
		return;
	for (size_t i = 0; i < n; i++) {
		/* apt redraws progress with '\r': treat it as a line end too. */
		if (buf[i] == '\n' || buf[i] == '\r') {
			if (k->part.len)
				k->line(k->ctx, k->part.buf);
			sbuf_reset(&k->part);
		} else {
			sbuf_addc(&k->part, buf[i]);
		}
	}
}

static void sink_finish(struct run_sink *k)
{
	if (k->line && k->part.len)
		k->line(k->ctx, k->part.buf);
	sbuf_free(&k->part);
}

/* Feed stdin_text and drain the output until the child closes its side.
 * Takes ownership of in_fd (closed here). */
static int pump(int in_fd, const char *in, int out_fd, struct run_sink *k, struct pgb_err *err)
{
	size_t in_len = in ? strlen(in) : 0, in_off = 0;
	char buf[8192];
	int rc = 0;

	if (in_fd >= 0 && in_len == 0) {
		close(in_fd);
		in_fd = -1;
	}
	for (;;) {
		struct pollfd p[2] = { { out_fd, POLLIN, 0 }, { in_fd, POLLOUT, 0 } };
		nfds_t n = in_fd >= 0 ? 2 : 1;

		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = pgb_failsys(err, "poll");
			break;
		}
		if (n == 2 && p[1].revents) {
			ssize_t w = (p[1].revents & POLLOUT) ?
				    write(in_fd, in + in_off, in_len - in_off) : -1;

			if (w > 0)
				in_off += (size_t)w;
			else if (w < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			/* A child that exits without reading all its input is fine. */
			if (w < 0 || in_off == in_len) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (p[0].revents) {
			ssize_t r = read(out_fd, buf, sizeof(buf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			sink_add(k, buf, (size_t)r);
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	sink_finish(k);
	return rc;
}

/* The exit status, or 128 + the signal that ended the child. */
static int wait_child(pid_t pid, const char *prog, struct pgb_err *err)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return pgb_failsys(err, "cannot wait for %s", prog);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

static void close_fds(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* Did the child report that it could not exec?  Then say why. */
static int exec_failed(int fd, const char *const *argv, const struct run_user *u,
		       struct pgb_err *err)
{
	int e;

	if (read(fd, &e, sizeof(e)) != (ssize_t)sizeof(e))
		return 0;
	if (u && e != ENOENT && e != EACCES)
		pgb_fail(err, "cannot run %s as user %s: %s", argv[0], u->name, strerror(e));
	else
		pgb_fail(err, "cannot run %s: %s", argv[0], strerror(e));
	return 1;
}

static int run_child(const char *path, const char *const *argv, char *const *env,
		     const struct run_user *u, const char *stdin_text, struct run_sink *k,
		     struct pgb_err *err)
{
	/* in[2], out[2], errpipe[2] */
	int fd[6] = { -1, -1, -1, -1, -1, -1 };
	int rc, st, failed;
	pid_t pid;

	if ((stdin_text && pipe2(fd, O_CLOEXEC) < 0) || pipe2(fd + 2, O_CLOEXEC) < 0 ||
	    pipe2(fd + 4, O_CLOEXEC) < 0) {
		rc = pgb_failsys(err, "cannot run %s: pipe", argv[0]);
		close_fds(fd, 6);
		return rc;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = pgb_failsys(err, "cannot run %s: fork", argv[0]);
		close_fds(fd, 6);
		return rc;
	}
	if (pid == 0)
		child_exec(path, argv, env, fd[0], fd[3], fd[5], u);
	if (fd[0] >= 0)
		close(fd[0]);
	close(fd[3]);
	close(fd[5]);
	/* Partial writes, never a write that blocks while the child waits for us to read. */
	if (fd[1] >= 0)
		fcntl(fd[1], F_SETFL, O_NONBLOCK);
	rc = pump(fd[1], stdin_text, fd[2], k, err);
	st = wait_child(pid, argv[0], err);
	failed = exec_failed(fd[4], argv, u, err);
	close(fd[2]);
	close(fd[4]);
	if (rc < 0 || st < 0 || failed)
		return -1;
	return st;
}

static int run_full(const char *const *argv, const struct run_user *u, const char *stdin_text,
		    struct run_sink *k, struct pgb_err *err)
{
	struct strlist env = STRLIST_INIT;
	char *path = find_program(argv[0], err);
	int rc;

	if (!path) {
		sink_finish(k);
		return -1;
	}
	child_env(u, &env);
	rc = run_child(path, argv, (char *const *)env.v, u, stdin_text, k, err);
	strlist_free(&env);
	free(path);
	return rc;
}

int inst_run(const char *const *argv, struct sbuf *out, struct pgb_err *err)
{
	struct run_sink k = { out, NULL, NULL, SBUF_INIT };

	return run_full(argv, NULL, NULL, &k, err);
}

int inst_run_input(const char *const *argv, const char *stdin_text, struct sbuf *out,
		   struct pgb_err *err)
{
	struct run_sink k = { out, NULL, NULL, SBUF_INIT };

	return run_full(argv, NULL, stdin_text ? stdin_text : "", &k, err);
}

int inst_run_lines(const char *const *argv, struct sbuf *out,
		   void (*line)(void *ctx, const char *line), void *ctx, struct pgb_err *err)
{
	struct run_sink k = { out, line, ctx, SBUF_INIT };

	return run_full(argv, NULL, NULL, &k, err);
}

int inst_run_as(const char *user, const char *const *argv, const char *stdin_text,
		struct sbuf *out, struct pgb_err *err)
{
	struct run_sink k = { out, NULL, NULL, SBUF_INIT };
	struct run_user u = { 0 };
	int rc;

	if (find_passwd(user, &u, err) < 0)
		return -1;
	find_groups(&u);
	rc = run_full(argv, &u, stdin_text, &k, err);
	free(u.name);
	free(u.home);
	return rc;
}

int inst_run_logged(struct inst_ctx *ctx, struct strlist *argv, const char *what,
		    struct pgb_err *err)
{
	struct sbuf out = SBUF_INIT;
	int rc;

	strlist_add_owned(argv, NULL);
	rc = inst_run((const char *const *)argv->v, &out, err);
	inst_log_detail(ctx->log, "%s: %s", what, out.buf ? out.buf : "");
	if (rc > 0)
		pgb_fail(err, "%s failed (status %d): %s", what, rc, out.buf ? out.buf : "");
	sbuf_free(&out);
	return rc == 0 ? 0 : -1;
}

