/* vmforms-init: a minimal PID 1 for `vmforms container run --init`, in the manner of
 * tini (Docker's --init). It starts the command as its only child, forwards every
 * signal it can catch to it, reaps every zombie that is reparented to it, and exits
 * with the command's status (128 + the signal number if it was killed).
 *
 * PID 1 of a pid namespace gets no default signal actions, and orphans of the
 * namespace become its children: a shell or a server that was never written to be
 * PID 1 neither dies on SIGTERM nor waits for its grandchildren. This program does
 * both on its behalf. It is linked statically so it runs in any image. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* `--exec PATH ARGV0 [ARG...]`: the last hop of `container exec`. The process that
 * joins the container runs this program from a sealed memfd, outside the container's
 * pid namespace but with its children inside it, so that no process of the container
 * can ever see a host binary in /proc/PID/exe. It execs PATH with the argv given and
 * passes on only the signals that a process sent (a terminal's ^C reaches the command
 * itself, as it is in the terminal's foreground group too). */
int main(int argc, char **argv)
{
	sigset_t all, old;
	pid_t child;
	int status = 0;
	int exec_mode = argc >= 4 && strcmp(argv[1], "--exec") == 0;

	if (!exec_mode && (argc < 2 || (argc == 2 && strcmp(argv[1], "--") == 0))) {
		fprintf(stderr, "usage: vmforms-init [--] COMMAND [ARG...]\n"
			"       vmforms-init --exec PATH ARGV0 [ARG...]\n");
		return 2;
	}
	if (!exec_mode && strcmp(argv[1], "--") == 0)
		argv++;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	child = fork();
	if (child < 0) {
		perror("vmforms-init: fork");
		return 125;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (exec_mode) {
			execv(argv[2], argv + 3);
			fprintf(stderr, "vmforms-init: exec %s: %s\n", argv[2], strerror(errno));
		} else {
			execvp(argv[1], argv + 1);
			fprintf(stderr, "vmforms-init: exec %s: %s\n", argv[1], strerror(errno));
		}
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (;;) {
		siginfo_t info;
		struct timespec tick = {1, 0};
		int sig = sigtimedwait(&all, &info, &tick);

		if (sig > 0 && sig != SIGCHLD && (!exec_mode || info.si_code <= 0))
			kill(child, sig);
		for (;;) {
			int st;
			pid_t pid = waitpid(-1, &st, WNOHANG);

			if (pid <= 0)
				break;
			if (pid == child) {
				status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
				child = -1;
			}
		}
		if (child < 0)
			return status;
	}
}
