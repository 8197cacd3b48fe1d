/* Run files: the format is described in viz_file.h and docs/viz-file.md.
 *
 * Reading trusts nothing.  The header is checked in an order that gives the
 * most useful message first (empty, foreign, truncated, another version,
 * another build, damaged), then the checksum of the whole file, and only
 * then is the body parsed -- still with every read bounds-checked and
 * every count compared with the bytes left before anything is allocated,
 * because a checksum protects against accidents, not against a crafted
 * file.  Traces are rebuilt through the al_trace API, and the rebuilt
 * trace's hash must equal the saved one: a reader that misread a single
 * event would notice.  The writer applies the same rules to what it is
 * given, so every file it writes reads back. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/al_write.h"
#include "viz/viz_fields.h"
#include "viz/viz_file_int.h"

static const uint8_t magic[8] = {0x89, 'A', 'L', 'R', '\r', '\n', 0x1a, '\n'};

int viz_file_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The struct sizes a file records; a file from a build where any differs
 * is refused.  Format 5 stores the scenario and the reports by key, so
 * their sizes do not matter (bytes 16-23 are 0); format 4 stored them by
 * position, and its readable files are those of the layout frozen in
 * viz_fields_v4.c, whose sizes these are (x86-64). */
static const struct {
	unsigned off;
	uint32_t size, v4;
	const char *what;
} sizes[] = {
	{16, 0, VIZ_FILE_V4_SCENARIO, "struct al_scenario"},
	{20, 0, VIZ_FILE_V4_REPORT, "struct al_report"},
	{24, sizeof(struct al_tr_event), sizeof(struct al_tr_event), "struct al_tr_event"},
	{28, sizeof(struct al_tr_lane), sizeof(struct al_tr_lane), "struct al_tr_lane"},
};

int viz_file_encode(const struct viz_run *runs, int nruns, void **buf, size_t *len,
		    char *err, size_t errlen)
{
	struct viz_enc e = {0};
	uint8_t head[VIZ_FILE_HEADER] = {0};
	char who[64];

	*buf = NULL;
	*len = 0;
	if (nruns < 1)
		return FAIL("no run to save");
	memcpy(head, magic, sizeof magic);
	viz_enc_bytes(&e, head, sizeof head);          /* filled in at the end */
	for (int r = 0; r < nruns; r++) {
		const struct viz_run *run = &runs[r];
		size_t netlen = strnlen(run->net, sizeof run->net);

		if (netlen == sizeof run->net || run->nmodels < 0 ||
		    run->nmodels > AL_MODEL_COUNT) {
			viz_enc_free(&e);
			return FAIL("run %d: not a valid run", r);
		}
		viz_enc_str(&e, run->net, netlen);
		viz_enc_u32(&e, (uint32_t)run->cores);
		viz_fields_put_scenario(&e, &run->sc);
		viz_enc_u32(&e, (uint32_t)run->nmodels);
		for (int m = 0; m < run->nmodels; m++) {
			const struct viz_model *vm = &run->models[m];

			snprintf(who, sizeof who, "%s %s", run->net,
				 al_model_name(vm->report.model));
			if ((unsigned)vm->report.model >= AL_MODEL_COUNT ||
			    (m > 0 && vm->report.model <= run->models[m - 1].report.model)) {
				viz_enc_free(&e);
				return FAIL("%s: models not in model order", who);
			}
			if (vm->report.elapsed_ns < 0 || vm->report.elapsed_ns > VIZ_FILE_T_MAX) {
				viz_enc_free(&e);
				return FAIL("%s: elapsed time out of range", who);
			}
			const char *name = al_model_name(vm->report.model);
			viz_enc_str(&e, name, strlen(name));
			viz_fields_put_report(&e, &vm->report);
			if (viz_file_put_trace(&e, &vm->trace, who, err, errlen) != 0) {
				viz_enc_free(&e);
				return -1;
			}
		}
	}
	if (viz_enc_reserve(&e, 8) != 0) {
		viz_enc_free(&e);
		return FAIL("%s", strerror(ENOMEM));
	}
	/* the header, now that the size is known, then the file's checksum */
	uint8_t *p = e.buf;

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (int k = 0; k < 4; k++)
			p[sizes[i].off + k] = (uint8_t)(sizes[i].size >> (8 * k));
	for (int k = 0; k < 4; k++) {
		p[8 + k] = (uint8_t)((uint32_t)VIZ_FILE_VERSION >> (8 * k));
		p[12 + k] = (uint8_t)((uint32_t)VIZ_FILE_HEADER >> (8 * k));
		p[32 + k] = (uint8_t)((uint32_t)nruns >> (8 * k));
	}
	put_le64(p + 40, e.len + 8);
	put_le64(p + 48, viz_checksum(p, 48));
	viz_enc_u64(&e, viz_checksum(e.buf, e.len));
	*buf = e.buf;
	*len = e.len;
	return 0;
}

/* --- reading */

/* Checks everything the header says; 0 with *nruns, or -1 with err. */
static int check_header(const uint8_t *p, size_t len, const char *name, uint32_t *nruns,
			uint32_t *version, char *err, size_t errlen)
{
	if (len == 0)
		return FAIL("%s: empty", name);
	if (memcmp(p, magic, len < sizeof magic ? len : sizeof magic) != 0)
		return FAIL("%s: not an asynclab run file", name);
	if (len < 12)
		return FAIL("%s: truncated at byte %zu, in the %d-byte header", name, len,
			    VIZ_FILE_HEADER);
	*version = le32(p + 8);
	if (*version < 4 || *version > VIZ_FILE_VERSION)
		return FAIL("%s: written by run-file format %u, this asynclab reads 4 to %d",
			    name, *version, VIZ_FILE_VERSION);
	if (len < VIZ_FILE_HEADER)
		return FAIL("%s: truncated at byte %zu, in the %d-byte header", name, len,
			    VIZ_FILE_HEADER);
	if (le64(p + 48) != viz_checksum(p, 48))
		return FAIL("%s: corrupt header (checksum mismatch)", name);
	uint64_t total = le64(p + 40);

	if (le32(p + 12) != VIZ_FILE_HEADER || le32(p + 36) != 0 ||
	    total < VIZ_FILE_HEADER + 8)
		return FAIL("%s: corrupt header", name);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint32_t want = *version == 4 ? sizes[i].v4 : sizes[i].size;

		if (*version != 4 && want == 0 && le32(p + sizes[i].off) != 0)
			return FAIL("%s: corrupt header", name);
		if (le32(p + sizes[i].off) != want)
			return FAIL("%s: written by a build whose %s has %u bytes, %s "
				    "has %u: it cannot be read here", name, sizes[i].what,
				    le32(p + sizes[i].off), *version == 4 ?
				    "the format-4 layout this one reads" : "this one's", want);
	}
	if (len < total)
		return FAIL("%s: truncated at byte %zu of %llu", name, len,
			    (unsigned long long)total);
	if (len > total)
		return FAIL("%s: corrupt: %zu bytes, the header says %llu", name, len,
			    (unsigned long long)total);
	if (le64(p + total - 8) != viz_checksum(p, total - 8))
		return FAIL("%s: corrupt (checksum mismatch)", name);
	*nruns = le32(p + 32);
	return 0;
}

/* A model's name (format 5 on): the model this build has of that name. */
static int get_model(struct viz_dec *d, enum al_model *m)
{
	char name[32];
	const char *s;
	size_t n;
	int k;

	if (viz_dec_str(d, sizeof name - 1, &s, &n) != 0)
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	if ((k = al_model_parse(name)) < 0)
		return viz_dec_fail(d, "a model this asynclab does not have");
	*m = (enum al_model)k;
	return 0;
}

static int get_run(struct viz_dec *d, struct viz_run *run, uint32_t version)
{
	const char *s;
	size_t n;

	memset(run, 0, sizeof *run);
	if (viz_dec_str(d, sizeof run->net - 1, &s, &n) != 0)
		return -1;
	memcpy(run->net, s, n);
	run->cores = (int)viz_dec_u32(d);
	if ((version == 4 ? viz_fields_v4_get_scenario(d, &run->sc) :
			    viz_fields_get_scenario(d, &run->sc)) != 0)
		return -1;
	uint32_t nm = viz_dec_u32(d);

	if (!d->err && nm > AL_MODEL_COUNT)
		return viz_dec_fail(d, "more models than there are");
	for (uint32_t m = 0; m < nm && !d->err; m++) {
		struct viz_model *vm = &run->models[m];

		enum al_model model = 0;

		if (version != 4 && get_model(d, &model) != 0)
			return -1;
		if ((version == 4 ? viz_fields_v4_get_report(d, &vm->report) :
				    viz_fields_get_report(d, &vm->report)) != 0)
			return -1;
		if (version != 4)
			vm->report.model = model;
		if (m > 0 && vm->report.model <= run->models[m - 1].report.model)
			return viz_dec_fail(d, "models out of order");
		if (vm->report.elapsed_ns < 0 || vm->report.elapsed_ns > VIZ_FILE_T_MAX)
			return viz_dec_fail(d, "elapsed time out of range");
		if (viz_file_get_trace(d, &vm->trace, version) != 0)
			return -1;
		run->nmodels++;
	}
	return d->err ? -1 : 0;
}

int viz_file_decode(const void *buf, size_t len, struct viz_run *runs, int max, int *nruns,
		    const char *name, char *err, size_t errlen)
{
	const uint8_t *p = buf;
	uint32_t n = 0, version = 0;
	int r;

	*nruns = 0;
	if (check_header(p, len, name, &n, &version, err, errlen) != 0)
		return -1;
	if (n == 0)
		return FAIL("%s: corrupt: no run in it", name);
	if (max < 0 || n > (uint32_t)max)
		return FAIL("%s: holds %u runs, at most %d can be opened", name, n, max);
	/* the body: between the header and the checksum */
	struct viz_dec d = {.buf = p, .len = (size_t)le64(p + 40) - 8,
			    .pos = VIZ_FILE_HEADER};

	for (r = 0; r < (int)n; r++)
		if (get_run(&d, &runs[r], version) != 0)
			break;
	if (!d.err && d.pos != d.len)
		viz_dec_fail(&d, "bytes after the last run");
	if (d.err) {
		for (int k = 0; k <= r && k < (int)n; k++)
			viz_run_free(&runs[k]);
		if (strcmp(d.err, "out of memory") == 0)
			return FAIL("%s: out of memory at byte %zu", name, d.err_at);
		return FAIL("%s: corrupt at byte %zu: %s", name, d.err_at, d.err);
	}
	*nruns = (int)n;
	return 0;
}

/* --- files */

struct blob {
	const void *buf;
	size_t len;
};

static int write_blob(FILE *out, void *arg)
{
	const struct blob *b = arg;

	return fwrite(b->buf, 1, b->len, out) == b->len ? 0 : -1;
}

int viz_file_save(struct al_write_set *set, const char *path, const struct viz_run *runs,
		  int nruns, char *err, size_t errlen)
{
	struct blob b;
	void *buf;
	char why[256];

	if (viz_file_encode(runs, nruns, &buf, &b.len, why, sizeof why) != 0)
		return FAIL("%s: cannot save: %s", path, why);
	b.buf = buf;
	int r = al_write_file(set, path, write_blob, &b, err, errlen) ? -1 : 0;

	free(buf);
	return r;
}

int viz_file_load(const char *path, struct viz_run *runs, int max, int *nruns, char *err,
		  size_t errlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, r;

	*nruns = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return FAIL("%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		r = FAIL("%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		r = FAIL("%s: is a directory", path);
		goto out;
	}
	/* a FIFO or a device could never end, or never stop growing */
	if (!S_ISREG(st.st_mode)) {
		r = FAIL("%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > SIZE_MAX - 1) {
		r = FAIL("%s: too large", path);
		goto out;
	}
	/* a file that says it is empty may not be: /proc's and /sys's report
	 * size 0 and have text; a few bytes are enough to say what it is */
	size_t want = st.st_size > 0 ? (size_t)st.st_size : 64;
	buf = malloc(want + 1);
	if (!buf) {
		r = FAIL("%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	/* read what fstat saw; a file that shrank meanwhile reads as truncated */
	while (len < want) {
		ssize_t k = read(fd, buf + len, want - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = FAIL("%s: %s", path, strerror(errno));
			goto out;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	r = viz_file_decode(buf, len, runs, max, nruns, path, err, errlen);
out:
	free(buf);
	close(fd);
	return r;
}

int viz_file_is_run(const char *path)
{
	uint8_t head[sizeof magic];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(head, 1, sizeof head, f) : 0;

	if (f)
		fclose(f);
	/* a file cut inside the magic is a run, truncated */
	return n > 0 && memcmp(head, magic, n) == 0;
}
