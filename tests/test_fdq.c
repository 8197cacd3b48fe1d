/* core/al_fdq.h: the selectors' ready FIFO.  al_fdq_rotate against what
 * it stands for, unlinking the front one fd at a time and pushing each
 * again, on every queue of up to 7 fds and every cut. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/al_fdq.h"

enum { NFD = 16 };

struct table {
	struct al_fdq q;
	struct al_fdq_link l[NFD];
};

static struct al_fdq_link *at(void *ctx, int fd)
{
	return &((struct table *)ctx)->l[fd];
}

/* The fds of t's queue front to back (checked back to front too, and
 * every link's queued flag): how many. */
static int order(struct table *t, int *out)
{
	int n = 0, prev = -1;

	for (int fd = t->q.head; fd >= 0; fd = t->l[fd].next) {
		assert_true(n < NFD);
		assert_int_equal(t->l[fd].queued, 1);
		assert_int_equal(t->l[fd].prev, prev);
		out[n++] = fd;
		prev = fd;
	}
	assert_int_equal(t->q.tail, prev);
	int queued = 0;
	for (int fd = 0; fd < NFD; fd++)
		queued += t->l[fd].queued;
	assert_int_equal(queued, n);
	return n;
}

static void test_rotate_is_unlink_and_push(void **state)
{
	(void)state;
	for (int len = 1; len <= 7; len++) {
		for (int cut = 0; cut < len; cut++) {
			struct table a = {0}, b = {0};
			al_fdq_init(&a.q);
			al_fdq_init(&b.q);
			/* fds not in order of their number: 3, 10, 1, 8, ... */
			int fds[7];
			for (int i = 0; i < len; i++) {
				fds[i] = (3 + 7 * i) % NFD;
				al_fdq_push(&a.q, fds[i], at, &a);
				al_fdq_push(&b.q, fds[i], at, &b);
			}
			al_fdq_rotate(&a.q, fds[cut], at, &a);
			for (int i = 0; i <= cut; i++)
				al_fdq_unlink(&b.q, fds[i], at, &b);
			for (int i = 0; i <= cut; i++)
				al_fdq_push(&b.q, fds[i], at, &b);
			int oa[NFD], ob[NFD];
			int na = order(&a, oa), nb = order(&b, ob);
			assert_int_equal(na, len);
			assert_int_equal(nb, len);
			for (int i = 0; i < len; i++)
				assert_int_equal(oa[i], ob[i]);
			/* the queue still works: one out of the middle, one in */
			al_fdq_unlink(&a.q, fds[len / 2], at, &a);
			al_fdq_push(&a.q, 0, at, &a);    /* 0 is not among them */
			assert_int_equal(order(&a, oa), len);
			assert_int_equal(a.q.tail, 0);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rotate_is_unlink_and_push),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
