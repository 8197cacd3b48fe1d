/* The progress line and the Ctrl-C flag (progress.h). */
#include "app/progress.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

void al_interrupt_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);    /* no SA_RESTART: a blocked poll wakes */
}

void al_interrupt_release(void)
{
	signal(SIGINT, SIG_DFL);
}

bool al_interrupted(void)
{
	return interrupted != 0;
}

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void al_progress_start(struct al_progress *p, const char *what, const char *unit, int total)
{
	memset(p, 0, sizeof *p);
	p->on = isatty(STDERR_FILENO) == 1 && total > 1;
	p->what = what;
	p->unit = unit;
	p->total = total;
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
	p->last = p->t0;
	p->last.tv_sec -= 1;             /* the first step draws */
}

void al_progress_step(struct al_progress *p, int done)
{
	struct timespec now;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&p->last, &now) < 0.1 && done < p->total)
		return;
	p->last = now;
	double t = since(&p->t0, &now);
	fprintf(stderr, "\r\033[K%s: %d / %d %s", p->what, done, p->total, p->unit);
	if (done > 0 && done < p->total) {
		double left = t * (p->total - done) / done;
		if (left < 120)
			fprintf(stderr, ", %.0f s left", left + 0.5);
		else
			fprintf(stderr, ", %.0f min left", left / 60 + 0.5);
	}
	fflush(stderr);
}

void al_progress_end(struct al_progress *p)
{
	if (p->on)
		fputs("\r\033[K", stderr);
}
