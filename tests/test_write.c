/* core/al_write: what the one writer of output files refuses, what it
 * keeps, and sets written all or nothing.  Each case leaves the thing it
 * refused as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/al_write.h"
#include "tests/skip.h"

static char dir[] = "/tmp/al-write-XXXXXX";
static char err[512];

static const char *at(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int write_new(const char *path)
{
	return al_write_text(NULL, path, "new\n", 4, err, sizeof err);
}

/* no temporary left in dir */
static void assert_clean(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "ls -A %s | grep -q '\\.tmp$'", dir);
	assert_int_not_equal(system(cmd), 0);
}

static void test_replaces_whole(void **state)
{
	(void)state;
	put(at("a"), "old\n");
	assert_int_equal(write_new(at("a")), 0);
	assert_string_equal(slurp(at("a")), "new\n");
	assert_int_equal(write_new(at("fresh")), 0);
	assert_string_equal(slurp(at("fresh")), "new\n");
	assert_int_equal(write_new(at("none/x")), AL_WRITE_FAILED);
	assert_non_null(strstr(err, "No such file or directory"));
	assert_clean();
}

static void test_refuses_special_files(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(mkfifo(at("fifo"), 0644), 0);
	assert_int_equal(write_new(at("fifo")), AL_WRITE_REFUSED);
	assert_non_null(strstr(err, "a FIFO"));
	assert_int_equal(lstat(at("fifo"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(write_new("/dev/null"), AL_WRITE_REFUSED);
	assert_non_null(strstr(err, "a character device"));
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(mkdir(at("d"), 0755), 0);
	assert_int_equal(write_new(at("d")), AL_WRITE_REFUSED);
	assert_non_null(strstr(err, "a directory"));
	assert_int_equal(write_new(""), AL_WRITE_REFUSED);
	assert_clean();
}

static void test_read_only_kept(void **state)
{
	(void)state;
	put(at("ro"), "old\n");
	assert_int_equal(chmod(at("ro"), 0444), 0);
	assert_int_equal(write_new(at("ro")), AL_WRITE_REFUSED);
	assert_non_null(strstr(err, "read-only (mode 0444)"));
	assert_string_equal(slurp(at("ro")), "old\n");
}

static void test_mode_kept(void **state)
{
	struct stat st;

	(void)state;
	put(at("m"), "old\n");
	assert_int_equal(chmod(at("m"), 0600), 0);
	assert_int_equal(write_new(at("m")), 0);
	assert_int_equal(stat(at("m"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_string_equal(slurp(at("m")), "new\n");
}

static void test_links(void **state)
{
	struct stat st;

	(void)state;
	/* ours, in a private directory: followed, the target replaced, the
	 * link kept */
	put(at("target"), "old\n");
	assert_int_equal(symlink(at("target"), at("link")), 0);
	assert_int_equal(write_new(at("link")), 0);
	assert_string_equal(slurp(at("target")), "new\n");
	assert_int_equal(lstat(at("link"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* to nowhere */
	assert_int_equal(symlink(at("missing/x"), at("dangling")), 0);
	assert_int_equal(write_new(at("dangling")), AL_WRITE_REFUSED);

	/* in a sticky world-writable directory, as /tmp: never followed */
	assert_int_equal(mkdir(at("sticky"), 0777), 0);
	assert_int_equal(chmod(at("sticky"), 01777), 0);
	put(at("victim"), "old\n");
	assert_int_equal(symlink(at("victim"), at("sticky/l")), 0);
	assert_int_equal(write_new(at("sticky/l")), AL_WRITE_REFUSED);
	assert_non_null(strstr(err, "sticky world-writable"));
	assert_string_equal(slurp(at("victim")), "old\n");
	assert_int_equal(lstat(at("sticky/l"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* nor on the way there: our own link to that link, and a link to a
	 * directory in the sticky directory */
	assert_int_equal(symlink(at("sticky/l"), at("via")), 0);
	assert_int_equal(write_new(at("via")), AL_WRITE_REFUSED);
	assert_non_null(strstr(err, "through"));
	assert_string_equal(slurp(at("victim")), "old\n");
	assert_int_equal(mkdir(at("inner"), 0755), 0);
	put(at("inner/f"), "old\n");
	assert_int_equal(symlink(at("inner"), at("sticky/dir")), 0);
	assert_int_equal(write_new(at("sticky/dir/f")), AL_WRITE_REFUSED);
	assert_string_equal(slurp(at("inner/f")), "old\n");
	/* a link to a directory of ours, outside: followed */
	assert_int_equal(symlink(at("inner"), at("dirlink")), 0);
	assert_int_equal(write_new(at("dirlink/f")), 0);
	assert_string_equal(slurp(at("inner/f")), "new\n");
}

static void test_link_of_another_user(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		AL_SKIP_HOST("not root, and only root can give a link another owner\n");
	}
	put(at("theirs"), "old\n");
	assert_int_equal(symlink(at("theirs"), at("their-link")), 0);
	assert_int_equal(lchown(at("their-link"), 65534, 65534), 0);
	assert_int_equal(write_new(at("their-link")), AL_WRITE_REFUSED);
	assert_non_null(strstr(err, "owned by another user (uid 65534)"));
	assert_string_equal(slurp(at("theirs")), "old\n");
}

static void test_set_all_or_nothing(void **state)
{
	struct al_write_set set = {0};

	(void)state;
	/* staged: nothing in place until the commit */
	put(at("s1"), "old\n");
	assert_int_equal(al_write_text(&set, at("s1"), "one\n", 4, err, sizeof err), 0);
	assert_int_equal(al_write_text(&set, at("s2"), "two\n", 4, err, sizeof err), 0);
	assert_string_equal(slurp(at("s1")), "old\n");
	assert_null(slurp(at("s2")));
	assert_int_equal(al_write_commit(&set, err, sizeof err), 0);
	assert_int_equal(set.n, 0);
	assert_string_equal(slurp(at("s1")), "one\n");
	assert_string_equal(slurp(at("s2")), "two\n");

	/* the second cannot be written: the first is dropped too */
	assert_int_equal(al_write_text(&set, at("s1"), "three\n", 6, err, sizeof err), 0);
	assert_int_equal(al_write_text(&set, at("fifo"), "x\n", 2, err, sizeof err),
			 AL_WRITE_REFUSED);
	assert_int_equal(set.n, 1);
	al_write_abort(&set);
	assert_int_equal(set.n, 0);
	assert_string_equal(slurp(at("s1")), "one\n");
	assert_clean();
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int setup(void **state)
{
	(void)state;
	umask(022);
	return mkdtemp(dir) ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replaces_whole),
		cmocka_unit_test(test_refuses_special_files),
		cmocka_unit_test(test_read_only_kept),
		cmocka_unit_test(test_mode_kept),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_link_of_another_user),
		cmocka_unit_test(test_set_all_or_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
