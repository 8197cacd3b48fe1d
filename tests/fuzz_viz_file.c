/* libFuzzer entry for the run-file reader (viz/viz_file.h): any bytes go
 * in; the decoder must answer 0 or -1 with one line naming the file, never
 * crash, leak, hang or allocate out of proportion.  Each input is decoded
 * twice: as it is (the header's checks), and wrapped in a valid envelope --
 * a header and checksums made for it -- so that mutations reach the body's
 * parser instead of dying at the checksum.  What decodes must also export
 * (Perfetto JSON, to /dev/null), encode again, and decode again to the
 * same traces, and be laid out, fitted, zoomed far in at both ends and
 * picked at, and drawn headless: what the viewer does with a file.
 *
 * `make fuzz` builds and runs it after the scenario loader's target. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "viz/viz_codec.h"
#include "viz/viz_file.h"
#include "viz/viz_layout.h"
#include "viz/viz_perfetto.h"
#include "viz/viz_png.h"
#include "viz/viz_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *null_out;
static char png[64], png_dir[32];

static void clean_up(void)
{
	unlink(png);
	rmdir(png_dir);
}

/* The viewer's arithmetic on what was read: fit, zoom in a million times
 * at the start, the middle and the end, pick across the plot. */
static void view(const struct viz_run *runs, int n)
{
	struct viz_scene s = {0};
	struct viz_view v;
	struct viz_frame f;
	struct viz_pick pick;
	char err[256];

	if (viz_layout_build(&s, runs, n, err, sizeof err) != 0)
		return;
	viz_view_init(&v, &s);
	for (int at = 0; at < 3; at++) {
		viz_view_fit(&v, &s, 800, 600, 1);
		for (int z = 0; z < 6; z++)
			viz_view_zoom(&v, &s, s.t_end / 2 * at, 10);
		viz_frame_make(&f, &s, &v, 800, 600, 1);
		for (int x = 0; x < 800; x += 37)
			viz_frame_pick(&f, x, 300, &pick);
		viz_view_pan(&v, &f, 1e9, 1e9);
	}
	viz_layout_free(&s);
	err[0] = '\0';
	if (viz_png_write(NULL, png, runs, n, 640, 400, 0, err, sizeof err) != 0 && !err[0])
		abort();   /* a failure says why */
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void decode(const uint8_t *buf, size_t len)
{
	struct viz_run runs[VIZ_MAX_RUNS], again[VIZ_MAX_RUNS];
	char err[512];
	void *enc;
	size_t elen;
	int n, m;

	if (viz_file_decode(buf, len, runs, VIZ_MAX_RUNS, &n, "fuzz", err, sizeof err) != 0) {
		if (strncmp(err, "fuzz: ", 6) != 0 || strchr(err, '\n'))
			abort();
		return;
	}
	if (viz_perfetto_write(null_out, runs, n) != 0)
		abort();
	view(runs, n);
	/* what was read obeys the writer's rules: it saves and reads back */
	if (viz_file_encode(runs, n, &enc, &elen, err, sizeof err) != 0)
		abort();
	if (viz_file_decode(enc, elen, again, VIZ_MAX_RUNS, &m, "again", err, sizeof err) != 0 ||
	    m != n)
		abort();
	for (int r = 0; r < n; r++) {
		for (int k = 0; k < runs[r].nmodels; k++)
			if (al_trace_hash(&runs[r].models[k].trace) !=
			    al_trace_hash(&again[r].models[k].trace) ||
			    runs[r].models[k].trace.n != again[r].models[k].trace.n)
				abort();
		viz_run_free(&runs[r]);
		viz_run_free(&again[r]);
	}
	free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t magic[8] = {0x89, 'A', 'L', 'R', '\r', '\n', 0x1a, '\n'};

	if (!null_out && !(null_out = fopen("/dev/null", "w")))
		abort();
	if (!png[0]) {
		snprintf(png_dir, sizeof png_dir, "/tmp/fuzz-viz-XXXXXX");
		if (!mkdtemp(png_dir))
			abort();
		snprintf(png, sizeof png, "%s/out.png", png_dir);
		atexit(clean_up);
	}
	decode(data, size);
	/* the envelope: a body that starts with a valid header is used as it
	 * is after it, anything else becomes the body of a one-run file */
	int framed = size >= VIZ_FILE_HEADER + 8 && memcmp(data, magic, 8) == 0;
	const uint8_t *body = framed ? data + VIZ_FILE_HEADER : data;
	size_t blen = framed ? size - VIZ_FILE_HEADER - 8 : size;
	size_t len = VIZ_FILE_HEADER + blen + 8;
	uint8_t *buf = calloc(1, len);

	if (!buf)
		return 0;
	/* format 4 or 5 when the input says so, so that every reader and
	 * both trace hashes are fuzzed; format 5 on keeps 0 where 4 kept the
	 * struct sizes */
	int v4 = framed && data[8] == 4, v5 = framed && data[8] == 5;

	memcpy(buf, magic, 8);
	put32(buf + 8, v4 ? 4 : v5 ? 5 : VIZ_FILE_VERSION);
	put32(buf + 12, VIZ_FILE_HEADER);
	put32(buf + 16, v4 ? VIZ_FILE_V4_SCENARIO : 0);
	put32(buf + 20, v4 ? VIZ_FILE_V4_REPORT : 0);
	put32(buf + 24, sizeof(struct al_tr_event));
	put32(buf + 28, sizeof(struct al_tr_lane));
	put32(buf + 32, framed ? (uint32_t)data[32] % (VIZ_MAX_RUNS + 1) : 1);
	put64(buf + 40, len);
	put64(buf + 48, viz_checksum(buf, 48));
	memcpy(buf + VIZ_FILE_HEADER, body, blen);
	put64(buf + len - 8, viz_checksum(buf, len - 8));
	decode(buf, len);
	free(buf);
	return 0;
}
