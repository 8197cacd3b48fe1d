/* A progress line on a terminal, and Ctrl-C as "stop, and say what
 * finished".
 *
 * The line ("sweep: 12 / 100 runs, 3 s left") goes to stderr, and only
 * when stderr is a terminal, so pipes, files and the tests see nothing of
 * it; it is redrawn at most ten times a second and erased at the end.
 * The estimate is the wall time so far scaled by what is left: a guide,
 * not a figure. */
#ifndef AL_PROGRESS_H
#define AL_PROGRESS_H

#include <stdbool.h>
#include <time.h>

struct al_progress {
	bool on;                     /* stderr is a terminal */
	const char *what, *unit;
	int total;
	struct timespec t0, last;
};

void al_progress_start(struct al_progress *p, const char *what, const char *unit, int total);
/* done of total finished: redraws the line if it is time to. */
void al_progress_step(struct al_progress *p, int done);
/* Erases the line. */
void al_progress_end(struct al_progress *p);

/* Ctrl-C: from al_interrupt_catch on, SIGINT sets a flag instead of
 * killing the process (its children inherit the catch across fork);
 * al_interrupted says whether it came.  The command then stops at the next
 * run, prints what finished and exits AL_EXIT_INTERRUPTED. */
#define AL_EXIT_INTERRUPTED 130
void al_interrupt_catch(void);
bool al_interrupted(void);
/* SIGINT kills again, as before al_interrupt_catch (a command whose next
 * part does not look at the flag); the flag stays as it is. */
void al_interrupt_release(void);

#endif
