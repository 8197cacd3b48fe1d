/* viz_x11_forgive_wakeup: on an X server of the test's own (Xvfb), a
 * client message sent over a second connection to a window the first has
 * destroyed -- SDL's late wake-up -- no longer ends the program, and any
 * other X error still does, through Xlib's default handler (exit 1).
 *
 * Each case runs in a child, since Xlib's default handler exits. Xlib is
 * opened as viz_x11.c opens it, by its soname. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <X11/Xlib.h>

#include "tests/skip.h"
#include "viz/viz_x11.h"

static struct {
	Display *(*open)(const char *);
	Window (*create)(Display *, Window, int, int, unsigned, unsigned, unsigned,
			 unsigned long, unsigned long);
	Window (*root)(Display *);
	int (*destroy)(Display *, Window);
	int (*map)(Display *, Window);
	Status (*send)(Display *, Window, Bool, long, XEvent *);
	int (*sync)(Display *, Bool);
} x;

static pid_t xvfb = -1;

/* Xvfb on a display it chooses; DISPLAY names it.  0, or -1 if absent.
 * -noreset: each case is a new client, and a server whose last client
 * left would start over between them. */
static int xvfb_start(void)
{
	char buf[16] = "";
	int fd[2];
	ssize_t n = 0;

	if (pipe(fd) != 0)
		return -1;
	xvfb = fork();
	if (xvfb == 0) {
		char num[12];
		int null = open("/dev/null", O_WRONLY);

		close(fd[0]);
		if (null >= 0)
			dup2(null, 2);
		snprintf(num, sizeof num, "%d", fd[1]);
		execlp("Xvfb", "Xvfb", "-displayfd", num, "-noreset", "-screen", "0", "64x64x24",
		       "-nolisten", "tcp", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	/* the number, then a newline, in writes of their own: a pipe closed
	 * before the last would kill the server (SIGPIPE) */
	for (size_t len = 0; xvfb > 0 && !strchr(buf, '\n') && len < sizeof buf - 1; len += (size_t)n) {
		n = read(fd[0], buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
	}
	close(fd[0]);
	if (!strchr(buf, '\n'))
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	char display[24];
	snprintf(display, sizeof display, ":%s", buf);
	setenv("DISPLAY", display, 1);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	void *lib = dlopen("libX11.so.6", RTLD_NOW | RTLD_LOCAL);

	if (!lib)
		return 0;
	*(void **)&x.open = dlsym(lib, "XOpenDisplay");
	*(void **)&x.create = dlsym(lib, "XCreateSimpleWindow");
	*(void **)&x.root = dlsym(lib, "XDefaultRootWindow");
	*(void **)&x.destroy = dlsym(lib, "XDestroyWindow");
	*(void **)&x.map = dlsym(lib, "XMapWindow");
	*(void **)&x.send = dlsym(lib, "XSendEvent");
	*(void **)&x.sync = dlsym(lib, "XSync");
	if (xvfb_start() != 0)
		x.open = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (xvfb > 0) {
		kill(xvfb, SIGTERM);
		waitpid(xvfb, NULL, 0);
	}
	return 0;
}

enum act { SEND, MAP };

/* In a child: a window made and destroyed on one connection, then acted
 * on over a second; the child's exit status (0: it lived on). */
static int late(int forgive, enum act act)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		Display *a, *b;
		Window w;
		XEvent e;

		int null = open("/dev/null", O_WRONLY);   /* Xlib's report */

		if (null >= 0)
			dup2(null, 2);
		if (forgive)
			viz_x11_forgive_wakeup();
		a = x.open(NULL);
		b = x.open(NULL);
		if (!a || !b)
			_exit(3);
		w = x.create(a, x.root(a), 0, 0, 8, 8, 0, 0, 0);
		x.sync(a, False);
		x.destroy(a, w);
		x.sync(a, False);
		memset(&e, 0, sizeof e);
		e.xclient.type = ClientMessage;
		e.xclient.window = w;
		e.xclient.format = 8;
		if (act == SEND)
			x.send(b, w, False, NoEventMask, &e);
		else
			x.map(b, w);
		x.sync(b, False);   /* the error comes back here */
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_late_wakeup_forgiven(void **state)
{
	(void)state;
	if (!x.open)
		AL_SKIP("no libX11 or no Xvfb (scripts/deps.sh installs them)");
	assert_int_equal(late(0, SEND), 1);   /* Xlib's default: exit 1 */
	assert_int_equal(late(1, SEND), 0);
}

static void test_other_errors_still_fatal(void **state)
{
	(void)state;
	if (!x.open)
		AL_SKIP("no libX11 or no Xvfb (scripts/deps.sh installs them)");
	assert_int_equal(late(1, MAP), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_late_wakeup_forgiven),
		cmocka_unit_test(test_other_errors_still_fatal),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
