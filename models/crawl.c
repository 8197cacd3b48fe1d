/* The accounting every model shares: each page ends exactly once, ok or
 * failed with a cause, so ok + failed = pages asked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "core/al_http.h"
#include "models/model.h"

/* Each model's code, by the registry's line (core/al_models.def): model
 * NAME's desc is al_model_NAME, defined in models/NAME.c. */
#define AL_MODEL(id, name, params, anchor, help) extern const struct al_model_desc al_model_##name;
#include "core/al_models.def"
#undef AL_MODEL

static const struct al_model_desc *const descs[AL_MODEL_COUNT] = {
#define AL_MODEL(id, name, params, anchor, help) [AL_MODEL_##id] = &al_model_##name,
#include "core/al_models.def"
#undef AL_MODEL
};

const struct al_model_desc *al_model_get(enum al_model m)
{
	return (unsigned)m < AL_MODEL_COUNT ? descs[m] : NULL;
}

/* Accounting is atomic: on the real backend a pool's threads end pages at
 * the same time (relaxed order is enough: the totals are read after the
 * threads are joined). */
#define ADD(p, v) __atomic_add_fetch((p), (v), __ATOMIC_RELAXED)

static int64_t now_ns(const struct al_crawl *c)
{
	return al_now(c->os);
}

void al_crawl_begin(struct al_crawl *c, struct al_page_times *tm)
{
	int64_t now = ADD(&c->inflight, 1);

	if (tm)
		*tm = (struct al_page_times){now_ns(c), -1, -1};
	int64_t peak = __atomic_load_n(&c->peak_inflight, __ATOMIC_RELAXED);

	while (now > peak &&
	       !__atomic_compare_exchange_n(&c->peak_inflight, &peak, now, 1,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void al_crawl_connected(struct al_crawl *c, struct al_page_times *tm)
{
	if (tm->connect < 0)
		tm->connect = now_ns(c);
}

int al__crawl_feed_first(struct al_crawl *c, struct al_page_times *tm, int fd,
			 struct al_http_resp *resp, const void *buf, size_t n)
{
	tm->first = now_ns(c);
	return al_os_feed(c->os, fd, resp, buf, n);
}

/* An ok page's figures, from its start; an instant the model never saw
 * (a page that ends ok unconnected cannot) counts as the end. */
void al_page_latency(const struct al_page_times *tm, int64_t end, int64_t out[3])
{
	int64_t at[3] = {tm->connect, tm->first, end};

	for (int k = 0; k < 3; k++)
		out[k] = (at[k] < 0 ? end : at[k]) - tm->begin;
}

int al_crawl_end(struct al_crawl *c, int64_t page, int err, struct al_http_resp *resp,
		 struct al_page_times *tm)
{
	ADD(&c->inflight, -1);
	if (!err && al_http_resp_finish(resp) != 0)
		err = errno;             /* EBADMSG, or EPROTO: not 200 */
	if (!err && c->verify && !al_http_resp_is_page(resp, c->sc->seed, page))
		err = EBADMSG;
	al_crawl_count(c, err, resp->body, al_crawl_sum(c, page, resp));
	if (err)
		al_crawl_mark(c, page, err);
	else if (tm && c->lat) {
		int64_t v[3];
		al_page_latency(tm, now_ns(c), v);
		al_lat_add(c->lat, page, v[0], v[1], v[2]);
	}
	return err;
}

void al_crawl_fail(struct al_crawl *c, int64_t page, int err)
{
	al_crawl_count(c, err, 0, 0);
	al_crawl_mark(c, page, err);
}

int al_threads_run(struct al_task *t, void *arg)
{
	struct al_threads *p = arg;
	struct al_os *os = p->os;

	AL_BEGIN(p);
	p->started = p->err = 0;
	for (p->i = 0; p->i < p->n; p->i++) {
		void *frame = p->frame(p->ctx, p->i);

		p->ids[p->i] = frame ? al_spawn(os, AL_SPAWN_THREAD, &p->tasks[p->i], p->fn,
						frame, p->name)
				     : -ENOMEM;
		if (p->ids[p->i] >= 0) {
			p->started++;
			continue;
		}
		p->err = (int)-p->ids[p->i];
		if (p->failed)
			p->failed(p->ctx, p->i, p->err);
	}
	for (p->i = 0; p->i < p->n; p->i++) {
		if (p->ids[p->i] < 0)
			continue;
		AL_AWAIT_CALL(t, p, &p->joined, al_spawn_join, os, p->ids[p->i]);
	}
	AL_RETURN(t, p, 0, 0);
	AL_END(t, p);
}

uint64_t al_crawl_sum(const struct al_crawl *c, int64_t page, const struct al_http_resp *resp)
{
	return c->verify ? al_page_digest(c->sc->seed, page, resp->body) : resp->sum;
}

/* where a page failed, on the timeline: its cause, at that instant */
void al_crawl_mark(struct al_crawl *c, int64_t page, int err)
{
	if (c->os)
		al_os_mark(c->os, al_cause_name(al_cause_from_errno(err)), page);
}

int64_t al_crawl_parse_ns(const struct al_crawl *c, int64_t bytes)
{
	return (bytes + 1023) / 1024 * c->sc->machine.costs.parse_ns_per_kib;
}

void al_crawl_count(struct al_crawl *c, int err, int64_t bytes, uint64_t sum)
{
	if (err) {
		ADD(&c->failed, 1);
		ADD(&c->failures[al_cause_from_errno(err)], 1);
		return;
	}
	ADD(&c->ok, 1);
	ADD(&c->bytes, bytes);
	ADD(&c->checksum, sum);
}

int al_crawl_note(const struct al_crawl *c, char *note, size_t len)
{
	if (c->ring_err) {
		snprintf(note, len, "io_uring refused (%s%s): every page failed, no fallback",
			 strerror(c->ring_err), c->ring_err == ENOSYS ? ": not in this kernel or os"
					       : c->ring_err == EPERM ? ": forbidden here (seccomp, "
						 "kernel.io_uring_disabled)"
					       : c->ring_err == EOPNOTSUPP ? ": an op this model needs"
					       : "");
		return 1;
	}
	if (c->stack_fails > 0) {
		/* two mappings a green thread (stack, guard page): the kernel's
		 * cap on a process's mappings is the usual wall, not memory */
		long maps = -1;
		FILE *fp = fopen("/proc/sys/vm/max_map_count", "r");

		if (fp) {
			if (fscanf(fp, "%ld", &maps) != 1)
				maps = -1;
			fclose(fp);
		}
		/* the simulator's stacks come chunked: the map count is not it */
		if (c->stack_err == ENOMEM && maps > 0 && c->os &&
		    !al_os_has(c->os, AL_OS_CAP_ONE_HOST_THREAD))
			snprintf(note, len, "%lld green threads got no stack (mmap: %s): two "
				 "mappings each, past the host's vm.max_map_count (%ld) at about "
				 "%ld live", (long long)c->stack_fails, strerror(c->stack_err),
				 maps, maps / 2);
		else
			snprintf(note, len, "%lld green threads got no stack (mmap: %s)",
				 (long long)c->stack_fails, strerror(c->stack_err));
		return 1;
	}
	if (c->died > 0) {
		int st = c->died_status;
		char how[64];

		if (WIFSIGNALED(st))
			snprintf(how, sizeof how, "killed by signal %d, %s", WTERMSIG(st),
				 strsignal(WTERMSIG(st)));
		else
			snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(st));
		snprintf(note, len, "%d of its workers died (the last: %s): the pages they "
			 "left failed as 'died'", c->died, how);
		return 1;
	}
	if (c->started <= 0 || c->started >= c->workers)
		return 0;
	snprintf(note, len, "%d of its %d workers started (%s): it ran with %d", c->started,
		 c->workers, strerror(c->spawn_err), c->started);
	return 1;
}

void al_crawl_pool_end(struct al_crawl *c, int workers, int started, int spawn_err)
{
	c->workers = workers;
	c->started = started;
	c->spawn_err = spawn_err;
	if (started == 0) {
		int64_t lost = c->pages - c->ok - c->failed;
		c->failed += lost;
		c->failures[al_cause_from_errno(spawn_err ? spawn_err : ENOMEM)] += lost;
	}
}
