/* The JSON writer.  Every value goes through prefix(), which writes the
 * comma, newline and indentation its position needs; containers only track
 * whether they are still empty, so an empty object prints as "{}". */
#include "report/json.h"

#include <inttypes.h>
#include <math.h>

#include "core/al_assert.h"

void al_json_init(struct al_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->after_key = false;
	j->first[0] = true;
}

static void newline(struct al_json *j, int depth)
{
	fputc('\n', j->out);
	for (int i = 0; i < depth; i++)
		fputs("  ", j->out);
}

static void prefix(struct al_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->out);
		newline(j, j->depth);
	}
	j->first[j->depth] = false;
}

static void begin(struct al_json *j, int c)
{
	prefix(j);
	AL_ASSERT(j->depth < AL_JSON_MAX_DEPTH);
	fputc(c, j->out);
	j->first[++j->depth] = true;
}

static void end(struct al_json *j, int c)
{
	AL_ASSERT(j->depth > 0 && !j->after_key);
	if (!j->first[j->depth])
		newline(j, j->depth - 1);
	j->depth--;
	fputc(c, j->out);
}

void al_json_begin_object(struct al_json *j) { begin(j, '{'); }
void al_json_end_object(struct al_json *j) { end(j, '}'); }
void al_json_begin_array(struct al_json *j) { begin(j, '['); }
void al_json_end_array(struct al_json *j) { end(j, ']'); }

void al_json_escape(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (c < 0x20)
				fprintf(out, "\\u%04x", c);
			else
				fputc(c, out);
		}
	}
	fputc('"', out);
}

void al_json_key(struct al_json *j, const char *key)
{
	AL_ASSERT(j->depth > 0 && !j->after_key);
	prefix(j);
	al_json_escape(j->out, key);
	fputs(": ", j->out);
	j->after_key = true;
}

void al_json_str(struct al_json *j, const char *s)
{
	prefix(j);
	al_json_escape(j->out, s);
}

void al_json_i64(struct al_json *j, int64_t v)
{
	prefix(j);
	fprintf(j->out, "%" PRId64, v);
}

void al_json_u64(struct al_json *j, uint64_t v)
{
	prefix(j);
	fprintf(j->out, "%" PRIu64, v);
}

void al_json_fixed(struct al_json *j, double v, int decimals)
{
	AL_ASSERT(decimals >= 0 && decimals <= 17);
	if (!isfinite(v)) {
		al_json_null(j);
		return;
	}
	if (v == 0)
		v = 0;   /* -0.0 would print as "-0.0000" */
	prefix(j);
	fprintf(j->out, "%.*f", decimals, v);
}

void al_json_hex64(struct al_json *j, uint64_t v)
{
	prefix(j);
	fprintf(j->out, "\"%016" PRIx64 "\"", v);
}

void al_json_bool(struct al_json *j, bool v)
{
	prefix(j);
	fputs(v ? "true" : "false", j->out);
}

void al_json_null(struct al_json *j)
{
	prefix(j);
	fputs("null", j->out);
}

void al_json_raw(struct al_json *j, const char *text, int text_depth)
{
	prefix(j);
	/* strings hold no raw newline (escaped), so each one starts a line
	 * whose first 2 * text_depth spaces are the old indentation */
	for (const char *p = text; *p; p++) {
		if (*p != '\n') {
			fputc(*p, j->out);
			continue;
		}
		for (int i = 0; i < 2 * text_depth && p[1] == ' '; i++)
			p++;
		newline(j, j->depth);
	}
}

void al_json_finish(struct al_json *j)
{
	AL_ASSERT(j->depth == 0 && !j->after_key);
	fputc('\n', j->out);
}
