/*
 * instlock.c - one installer at a time on a host.
 *
 * install and uninstall change the host's apt sources, its packages and its
 * clusters in steps that assume nobody else is taking them at the same time:
 * two at once would move each other's sources aside, or race in apt.  Each
 * takes an exclusive flock on INST_LOCK_FILE (in /run: gone at reboot, and
 * the kernel drops the lock when its holder dies, even by SIGKILL, so a
 * killed installer never blocks the next).  The holder writes its PID into
 * the file; a second installer refuses at once, naming the lock and that
 * PID, before it writes anything.  A dry run changes nothing and takes no lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "inst.h"

int inst_lock_take(const char *path, int *fd_out, struct pgb_err *err)
{
	char pid[32] = "";
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	ssize_t n;

	*fd_out = -1;
	if (fd < 0)
		return pgb_failsys(err, "cannot open the installer's lock %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;

		n = busy ? pread(fd, pid, sizeof(pid) - 1, 0) : 0;
		close(fd);
		if (!busy)
			return pgb_failsys(err, "cannot lock %s", path);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		return pgb_fail(err, "another pgbundle-installer is running on this host (it holds "
				"the lock %s%s%s): wait for it to finish, then run this again",
				path, *pid ? ", PID " : "", pid);
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		close(fd);
		return pgb_failsys(err, "cannot write %s", path);
	}
	*fd_out = fd;
	return 0;
}

void inst_lock_release(int fd)
{
	if (fd < 0)
		return;
	/* Empty it first, so no later message names a process that has ended;
	 * closing releases the lock whatever ftruncate says. */
	if (ftruncate(fd, 0) < 0)
		errno = 0;
	close(fd);
}
