/* libFuzzer entry for the run-file reader (viz/viz_file.h): any bytes go
 * in; the decoder must answer 0 or -1 with one line naming the file, never
 * crash, leak, hang or allocate out of proportion.  Each input is decoded
 * twice: as it is (the header's checks), and wrapped in a valid envelope --
 * a header and checksums made for it -- so that mutations reach the body's
 * parser instead of dying at the checksum.  What decodes must also export
 * (Perfetto JSON, to /dev/null), encode again, and decode again to the
 * same traces.
 *
 * Build and run (from the source tree, a corpus directory optional):
 *   clang -std=c11 -D_GNU_SOURCE -I. -g -O1 -fsanitize=fuzzer,address,undefined \
 *     tests/fuzz_viz_file.c viz/viz_codec.c viz/viz_fields.c viz/viz_file.c \
 *     viz/viz_file_trace.c viz/viz_atomic.c viz/viz_perfetto.c viz/viz_run.c \
 *     core/al_*.c -lm -o fuzz_viz_file && ./fuzz_viz_file -max_total_time=60 CORPUS */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viz/viz_codec.h"
#include "viz/viz_file.h"
#include "viz/viz_perfetto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *null_out;

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
	memcpy(buf, magic, 8);
	put32(buf + 8, VIZ_FILE_VERSION);
	put32(buf + 12, VIZ_FILE_HEADER);
	put32(buf + 16, sizeof(struct al_scenario));
	put32(buf + 20, sizeof(struct al_report));
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
