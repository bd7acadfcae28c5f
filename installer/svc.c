/*
 * svc.c - what the modules share for running a service under systemd:
 * drop-ins next to a package's unit (the package's own files stay as the
 * package shipped them), signals sent by systemd, restarts when a config
 * changed, and waiting for a condition with a deadline while saying what
 * is awaited.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "module.h"

#define DROPIN_ROOT "/etc/systemd/system"

char *inst_dropin_path(const char *unit, const char *name)
{
	return xasprintf(DROPIN_ROOT "/%s.service.d/%s.conf", unit, name);
}

int inst_unit_dropin(struct inst_ctx *ctx, const char *unit, const char *name,
		     const struct strlist *service, int *changed, struct pgb_err *err)
{
	char *path = inst_dropin_path(unit, name), *dir = xstrdup(path);
	struct sbuf text = SBUF_INIT;
	int rc = 0;

	*strrchr(dir, '/') = '\0';
	sbuf_addf(&text, "# Written by pgbundle-installer from its config; edits are overwritten.\n"
		  "[Service]\n");
	for (size_t i = 0; i < service->n; i++)
		sbuf_addf(&text, "%s\n", service->v[i]);
	if (!ctx->dry_run)
		rc = util_mkdir_p(dir, 0755, err);
	if (rc == 0)
		rc = inst_pg_write_file(ctx, path, text.buf, 0644, NULL, "systemd drop-in",
					changed, NULL, err);
	if (rc == 0 && *changed && !ctx->dry_run)
		rc = inst_daemon_reload(err);
	sbuf_free(&text);
	free(dir);
	free(path);
	return rc;
}

int inst_daemon_reload(struct pgb_err *err)
{
	const char *argv[] = { "systemctl", "daemon-reload", NULL };
	struct sbuf out = SBUF_INIT;
	int st = inst_run(argv, &out, err);

	if (st > 0)
		pgb_fail(err, "systemctl daemon-reload failed (status %d): %.500s", st,
			 out.buf ? out.buf : "");
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

/*
 * A signal to the unit's main process, sent by systemd: Debian's units
 * reload with /bin/kill, which a minimal host (no procps) lacks.
 * --kill-who: systemd 247 (bullseye) does not know its newer --kill-whom.
 */
int inst_unit_signal(const char *unit, const char *signal, struct pgb_err *err)
{
	char *sig = xasprintf("--signal=%s", signal);
	const char *argv[] = { "systemctl", "kill", sig, "--kill-who=main", unit, NULL };
	struct sbuf out = SBUF_INIT;
	int st = inst_run(argv, &out, err);

	if (st > 0)
		pgb_fail(err, "cannot signal %s (systemctl kill %s, status %d): %.1000s", unit, sig,
			 st, out.buf ? out.buf : "");
	sbuf_free(&out);
	free(sig);
	return st == 0 ? 0 : -1;
}

/* Enabled, and running with what its files say now: started when down,
 * restarted when changed says a file it reads at start changed. */
int inst_unit_run(struct inst_ctx *ctx, const char *unit, int changed, struct pgb_err *err)
{
	if (inst_pg_unit_enable(ctx, unit, err) < 0)
		return -1;
	if (ctx->no_start) {
		if (!inst_pg_unit_active(unit) || changed)
			inst_log_info(ctx->log, "%s not (re)started (--no-start)", unit);
		return 0;
	}
	if (!inst_pg_unit_active(unit)) {
		inst_pg_change(ctx, "start %s", unit);
		return ctx->dry_run ? 0 : inst_pg_systemctl("start", unit, err);
	}
	if (changed) {
		inst_pg_change(ctx, "restart %s (its configuration changed)", unit);
		return ctx->dry_run ? 0 : inst_pg_systemctl("restart", unit, err);
	}
	return 0;
}

double inst_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void inst_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Poll ready(arg) every interval_ms until it returns 1 (done) or -1 (failed,
 * err set), or timeout_s passes.  While it returns 0 it fills *why with
 * what is awaited; that line is shown when it changes (and every 30 s), so
 * the operator sees what the node waits for.  The timeout fails with why.
 */
int inst_wait(struct inst_ctx *ctx, int timeout_s, long interval_ms,
	      int (*ready)(void *arg, struct sbuf *why, struct pgb_err *err), void *arg,
	      struct pgb_err *err)
{
	double t0 = inst_now(), shown = 0;
	struct sbuf why = SBUF_INIT, last = SBUF_INIT;
	int rc;

	for (;;) {
		sbuf_reset(&why);
		rc = ready(arg, &why, err);
		if (rc != 0)
			break;
		if (inst_now() - t0 > timeout_s) {
			rc = pgb_fail(err, "still %s after %d s: see `status`, and run install "
				      "again once it is fixed", why.buf ? why.buf : "waiting",
				      timeout_s);
			break;
		}
		if (why.buf && (!last.buf || strcmp(why.buf, last.buf) ||
				inst_now() - shown > 30)) {
			inst_log_info(ctx->log, "%s (%.0f s so far, at most %d s)", why.buf,
				      inst_now() - t0, timeout_s);
			sbuf_reset(&last);
			sbuf_adds(&last, why.buf);
			shown = inst_now();
		}
		inst_sleep_ms(interval_ms);
	}
	sbuf_free(&why);
	sbuf_free(&last);
	return rc < 0 ? -1 : 0;
}

/* 1 when a TCP connection to addr:port succeeds within timeout_ms. */
int inst_tcp_open(const char *addr, int port, int timeout_ms)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct pollfd p;
	int fd, ok = 0, soerr = 0;
	socklen_t sl = sizeof(soerr);

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		len = sizeof(struct sockaddr_in6);
	} else {
		return 0;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
		ok = 1;
	} else if (errno == EINPROGRESS) {
		p.fd = fd;
		p.events = POLLOUT;
		ok = poll(&p, 1, timeout_ms) == 1 &&
		     getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0;
	}
	close(fd);
	return ok;
}

/* 1 when systemd says the unit failed (it will not come up by itself). */
int inst_unit_failed(const char *unit)
{
	const char *argv[] = { "systemctl", "is-failed", "--quiet", unit, NULL };
	struct pgb_err ignored;

	return inst_run(argv, NULL, &ignored) == 0;
}
