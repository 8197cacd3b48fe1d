/* The real os's threads and processes, pipes and locks: spawn() is a real
 * pthread or fork running its task on a loop of its own; join waits for
 * it; locks are pthread mutexes; pipes are pipes. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/al_assert.h"
#include "net/net_machine.h"
#include "net/net_os_int.h"
#include "net/net_trace.h"

void net_thread_end(struct net_thread *t)
{
	if (t->post_ev) {
		event_free(t->post_ev);
		close(t->post_fd);
		t->post_ev = NULL;
	}
	if (t->base)
		event_base_free(t->base);
	t->base = NULL;
}

/* A spawned thread's or process's life: its task on its own loop, and in
 * the trace. */
static void run_spawned(struct net_thread *t)
{
	struct net_os *n = NET(t->loop.os);

	net_set_current(t);
	net_trace_state(n->log, net_now(&n->os), t->lane, AL_ST_RUNNING, 0);
	al_task_start(t->task, &t->loop, t->fn, t->frame, t->name);
	al_loop_run(&t->loop);
	net_trace_state(n->log, net_now(&n->os), t->lane, AL_ST_DONE, 0);
	net_thread_end(t);
}

/* join_post once its thread has ended: no post will come any more. */
static struct al_post ended;

static void *thread_main(void *arg)
{
	struct net_thread *t = arg;

	run_spawned(t);
	/* a joiner waiting already is told through its loop */
	struct al_post *p = __atomic_exchange_n(&t->join_post, &ended, __ATOMIC_ACQ_REL);
	if (p)
		net_post(t->loop.os, p, 0, 0);
	return NULL;
}

/* A new thread (or process) runs task on a loop of its own. */
int64_t net_spawn(struct al_os *os, enum al_spawn_kind kind, struct al_task *task,
			 al_coro_fn fn, void *frame, const char *name)
{
	struct net_os *n = NET(os);
	struct net_thread *t;

	if (n->nspawned == n->spawned_cap) {
		int cap = n->spawned_cap ? 2 * n->spawned_cap : 64;
		struct net_thread **p = realloc(n->spawned, (size_t)cap * sizeof *p);
		if (!p)
			return -ENOMEM;
		n->spawned = p;
		n->spawned_cap = cap;
	}
	t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	al_loop_init(&t->loop, os);
	t->task = task;
	t->fn = fn;
	t->frame = frame;
	t->name = name;
	net_count(&n->counts->syscalls);
	/* lanes as the simulator's: a process and its thread, or a thread of
	 * the caller's process, being created from now (made before the thread
	 * runs; a creation that fails ends them at once) */
	int64_t now = net_now(os);
	struct net_thread *me = net_me(n);
	t->proc_lane = kind == AL_SPAWN_PROCESS
		? net_trace_lane(n->log, now, AL_LANE_PROCESS, 0, name, (uint32_t)n->nspawned + 1)
		: me->proc_lane;
	t->lane = net_trace_lane(n->log, now, AL_LANE_THREAD, t->proc_lane, name,
				 (uint32_t)n->nspawned + 1);
	net_trace_state(n->log, now, t->lane, AL_ST_CREATE, 0);
	if (kind == AL_SPAWN_PROCESS) {
		fflush(NULL);
		pid_t parent = getpid();
		/* no room in machine.memory: refused as the simulator refuses it */
		pid_t pid = net_cgroup_admit(0) == 0 ? fork() : -1;
		if (pid < 0) {
			int e = errno;
			net_trace_state(n->log, net_now(os), t->lane, AL_ST_DONE, 0);
			net_trace_state(n->log, net_now(os), t->proc_lane, AL_ST_DONE, 0);
			free(t);
			return -e;
		}
		if (pid == 0) {
			/* a worker dies with the model's process, however it dies */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
				_exit(1);
			if (net_cgroup_current())
				net_machine_oom_first();
			run_spawned(t);
			net_trace_state(n->log, net_now(os), t->proc_lane, AL_ST_DONE, 0);
			net_cgroup_gone();
			_exit(0);
		}
		net_cgroup_admitted(0);
		t->pid = pid;
	} else {
		int e = net_cgroup_admit(1) == 0 ? pthread_create(&t->tid, NULL, thread_main, t)
						 : ENOMEM;
		if (!e)
			net_cgroup_admitted(1);
		if (e) {
			net_trace_state(n->log, net_now(os), t->lane, AL_ST_DONE, 0);
			free(t);
			return -e;
		}
	}
	n->spawned[n->nspawned] = t;
	return n->nspawned++;
}

void net_reap(struct net_os *n, struct net_thread *t)
{
	struct rusage ru;

	if (t->pid) {
		while (wait4(t->pid, &t->status, 0, &ru) < 0)
			if (errno != EINTR)
				goto out;
		__atomic_fetch_add(&n->counts->worker_rss, (int64_t)ru.ru_maxrss * 1024,
				   __ATOMIC_RELAXED);
	} else {
		pthread_join(t->tid, NULL);
	}
out:
	t->joined = 1;
}

/* A thread's end reached its joiner's loop: it is past its last use of
 * anything shared, so pthread_join returns at once. */
static void on_joined(struct al_cb *cb)
{
	struct net_thread *t = AL_CONTAINER_OF(cb, struct net_thread, join_cb);
	struct net_os *n = NET(t->loop.os);
	struct al_future *wait = t->join_wait;

	net_reap(n, t);
	t->join_wait = NULL;
	if (n->log)
		net_trace_state(n->log, net_now(&n->os), t->join_lane, AL_ST_RUNNING, 0);
	al_os_finish(wait, 0);
}

int64_t net_join(struct al_os *os, int64_t id, struct al_future *wait)
{
	struct net_os *n = NET(os);
	struct net_thread *t = id >= 0 && id < n->nspawned ? n->spawned[id] : NULL;

	if (!t || t->joined)
		return al_os_finish(wait, -ESRCH);
	if (t->join_wait)            /* as the simulator says it */
		return al_os_finish(wait, -EBUSY);
	net_count(&n->counts->syscalls);
	/* Joining a thread does not block the joiner's thread: the end is
	 * posted to its loop (al_post), which runs its other tasks meanwhile,
	 * as the simulator's join does.  Without an eventfd, it blocks. */
	if (!t->pid && wait && net_post_arm(os, &t->joinp, wait->loop) == 0) {
		struct al_post *none = NULL;

		t->join_wait = wait;
		t->join_lane = n->log ? net_task_lane(n) : 0;
		t->join_cb.fn = on_joined;
		al_future_on_done(&t->joinp.done, &t->join_cb);
		if (n->log)
			net_trace_state(n->log, net_now(os), t->join_lane, AL_ST_WAIT, 0);
		if (!__atomic_compare_exchange_n(&t->join_post, &none, &t->joinp, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			net_post(os, &t->joinp, 0, 0);   /* it has ended already */
		return 0;
	}
	net_trace_block(n, AL_ST_WAIT);
	net_reap(n, t);
	net_trace_run(n, 0);
	/* a worker killed, or exited other than as it does: its wait status */
	return al_os_finish(wait, t->status);
}

int64_t net_pipe(struct al_os *os, int fds[2])
{
	struct net_os *n = NET(os);
	int64_t r = net_sys(n, pipe2(fds, O_CLOEXEC));

	for (int i = 0; r == 0 && i < 2; i++)
		if (net_fd_of(n, fds[i]))
			n->fds[fds[i]] = (struct net_fd){0};
	return r;
}

int64_t net_lock_open(struct al_os *os)
{
	struct net_os *n = NET(os);

	if (n->nlocks == NET_MAX_LOCKS)
		return -ENOMEM;
	pthread_mutex_init(&n->locks[n->nlocks], NULL);
	return n->nlocks++;
}

int64_t net_lock(struct al_os *os, int64_t lk, struct al_future *wait)
{
	struct net_os *n = NET(os);

	if (lk < 0 || lk >= n->nlocks)
		return al_os_finish(wait, -EINVAL);
	if (pthread_mutex_trylock(&n->locks[lk]) != 0) {   /* taken: we wait */
		net_trace_block(n, AL_ST_WAIT);
		pthread_mutex_lock(&n->locks[lk]);
		net_trace_run(n, 0);
	}
	return al_os_finish(wait, 0);
}

int64_t net_unlock(struct al_os *os, int64_t lk)
{
	struct net_os *n = NET(os);

	if (lk < 0 || lk >= n->nlocks)
		return -EINVAL;
	return -pthread_mutex_unlock(&n->locks[lk]);
}


/* --- completions between threads */

/* post_fd is readable: every completion posted so far is taken off the
 * stack, in the order posted, and set on this thread's loop (the tasks
 * resume from the loop, never in here).  The eventfd is read before the
 * stack is taken: a post the exchange misses was pushed after it, so its
 * write comes after the read and leaves the fd readable for the next
 * turn.  The other order could read that write and leave its post on the
 * stack with nothing to wake the loop. */
static void on_post(evutil_socket_t fd, short what, void *arg)
{
	struct net_thread *t = arg;
	struct al_post *p, *fifo = NULL, *next;
	uint64_t count;

	(void)what;
	/* EAGAIN: a later post's write, already read with an earlier batch */
	if (read(fd, &count, sizeof count) < 0)
		count = 0;
	p = __atomic_exchange_n(&t->posts, NULL, __ATOMIC_ACQUIRE);
	for (; p; p = next) {        /* the stack is newest first */
		next = p->next;
		p->next = fifo;
		fifo = p;
	}
	for (p = fifo; p; p = next) {
		next = p->next;          /* done's owner may free p once it runs */
		t->armed--;
		al_future_set(&p->done, p->value, p->err);
	}
	if (t->armed == 0)
		event_del(t->post_ev);   /* nothing awaited: no reason to wait */
}

int net_post_mailbox(struct net_thread *t)
{
	struct event_base *base = net_base(t, -1);

	if (!base)
		return -errno;
	if (!t->post_ev) {
		int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (fd < 0)
			return -errno;
		t->post_ev = event_new(base, fd, EV_READ | EV_PERSIST, on_post, t);
		if (!t->post_ev) {
			close(fd);
			return -ENOMEM;
		}
		t->post_fd = fd;
	}
	return 0;
}

int64_t net_post_arm(struct al_os *os, struct al_post *p, struct al_loop *loop)
{
	struct net_os *n = NET(os);
	struct net_thread *t = net_me(n);
	int r = net_post_mailbox(t);

	if (r < 0)
		return r;
	if (t->armed == 0 && event_add(t->post_ev, NULL) != 0)
		return -ENOMEM;
	t->armed++;
	al_future_init(&p->done, loop);
	p->next = NULL;
	p->owner = t;
	return 0;
}

int64_t net_post(struct al_os *os, struct al_post *p, int64_t value, int err)
{
	struct net_os *n = NET(os);
	struct net_thread *t = p->owner;
	uint64_t one = 1;

	if (!t)
		return -EINVAL;
	p->owner = NULL;
	p->value = value;
	p->err = err;
	/* t and its eventfd outlive the post: t waits for it */
	int fd = t->post_fd;
	struct al_post *head = __atomic_load_n(&t->posts, __ATOMIC_RELAXED);
	do
		p->next = head;
	while (!__atomic_compare_exchange_n(&t->posts, &head, p, 1, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED));
	/* from here p is the receiver's */
	return net_sys(n, write(fd, &one, sizeof one) == (ssize_t)sizeof one ? 0 : -1);
}
