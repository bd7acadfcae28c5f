/*
 * log.c - what the installer tells the operator, and its log file.
 *
 * On a terminal: bold step lines, coloured change lines and a transient
 * progress line redrawn in place.  Elsewhere (CI, a pipe, a file): exactly
 * one plain line per step and per change, no progress, no escapes.  Every
 * line also goes, time-stamped, to DIR/install.log, which is opened for
 * appending so successive runs stay readable one after the other.  A dry
 * run writes no log file: it must not change the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inst.h"

struct inst_log {
	FILE *out;		/* stdout */
	FILE *file;		/* DIR/install.log, or NULL */
	char *path;
	int tty, dry_run;
	int steps;
	int progress_shown;	/* a progress line is on screen, to be wiped */
};

static void stamp(FILE *f, const char *kind, const char *msg)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "%s %-6s %s\n", when, kind, msg);
	fflush(f);
}

static int open_file(struct inst_log *l, const char *dir, struct pgb_err *err)
{
	int fd;

	if (util_mkdir_p(dir, 0750, err) < 0)
		return pgb_err_prefix(err, "cannot create the log directory");
	l->path = util_path_join(dir, "install.log");
	fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return pgb_failsys(err, "cannot open the log file %s", l->path);
	l->file = fdopen(fd, "a");
	if (!l->file) {
		close(fd);
		return pgb_failsys(err, "cannot open the log file %s", l->path);
	}
	stamp(l->file, "start", "pgbundle-installer");
	return 0;
}

int inst_log_open(struct inst_log **out, const char *dir, int dry_run, struct pgb_err *err)
{
	struct inst_log *l = xcalloc(1, sizeof(*l));

	*out = NULL;
	l->out = stdout;
	l->tty = isatty(STDOUT_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
	l->dry_run = dry_run;
	if (dir && !dry_run && open_file(l, dir, err) < 0) {
		inst_log_close(l);
		return -1;
	}
	*out = l;
	return 0;
}

const char *inst_log_path(const struct inst_log *l)
{
	return l ? l->path : NULL;
}

static void wipe_progress(struct inst_log *l)
{
	if (l->progress_shown) {
		fputs("\r\033[K", l->out);
		l->progress_shown = 0;
	}
}

/* One message of a kind: screen (prefix, colour on a terminal) and file. */
static void emit(struct inst_log *l, const char *kind, const char *prefix, const char *color,
		 const char *fmt, va_list ap)
{
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	wipe_progress(l);
	if (l->tty && color)
		fprintf(l->out, "%s%s%s\033[0m\n", color, prefix, msg);
	else
		fprintf(l->out, "%s%s\n", prefix, msg);
	fflush(l->out);
	if (l->file)
		stamp(l->file, kind, msg);
	free(msg);
}

void inst_log_step(struct inst_log *l, const char *fmt, ...)
{
	va_list ap;
	char prefix[32];

	if (!l)
		return;
	l->steps++;
	snprintf(prefix, sizeof(prefix), "==> [%d] %s", l->steps, l->dry_run ? "(dry run) " : "");
	va_start(ap, fmt);
	emit(l, "step", prefix, "\033[1m", fmt, ap);
	va_end(ap);
}

void inst_log_change(struct inst_log *l, const char *fmt, ...)
{
	va_list ap;

	if (!l)
		return;
	va_start(ap, fmt);
	if (l->dry_run)
		emit(l, "would", "    would: ", "\033[33m", fmt, ap);
	else
		emit(l, "change", "    + ", "\033[32m", fmt, ap);
	va_end(ap);
}

void inst_log_info(struct inst_log *l, const char *fmt, ...)
{
	va_list ap;

	if (!l)
		return;
	va_start(ap, fmt);
	emit(l, "info", "    ", NULL, fmt, ap);
	va_end(ap);
}

void inst_log_warn(struct inst_log *l, const char *fmt, ...)
{
	va_list ap;

	if (!l)
		return;
	va_start(ap, fmt);
	emit(l, "warn", "    warning: ", "\033[31m", fmt, ap);
	va_end(ap);
}

void inst_log_detail(struct inst_log *l, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!l || !l->file)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) >= 0) {
		stamp(l->file, "detail", msg);
		free(msg);
	}
	va_end(ap);
}

void inst_log_progress(struct inst_log *l, const char *fmt, ...)
{
	va_list ap;
	char line[96];

	if (!l || !l->tty)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(l->out, "\r\033[K    %s", line);
	fflush(l->out);
	l->progress_shown = 1;
}

void inst_log_close(struct inst_log *l)
{
	if (!l)
		return;
	wipe_progress(l);
	if (l->file) {
		stamp(l->file, "end", "pgbundle-installer");
		fclose(l->file);
	}
	free(l->path);
	free(l);
}

int inst_ask(const char *question)
{
	char answer[16];

	printf("%s", question);
	fflush(stdout);
	return fgets(answer, sizeof(answer), stdin) && (answer[0] == 'y' || answer[0] == 'Y');
}
