/* The model registry (core/al_models.def, core/al_model_params.def): every
 * entry is whole and consistent, and the things that iterate over it --
 * models/crawl.c's code table, the scenario schema, `help run`, the docs'
 * table -- name every model.  Nothing here hard-codes how many models
 * there are: a new registry line is checked by these tests as it is. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/scenario.h"
#include "conf/scenario_schema.h"
#include "conf/scenario_walk.h"
#include "app/usage.h"
#include "core/al_models.h"
#include "models/model.h"
#include "viz/viz_palette.h"

static void every_model_is_whole(void **state)
{
	(void)state;
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		const struct al_model_info *mi = al_model_info((enum al_model)m);
		const struct al_model_desc *md = al_model_get((enum al_model)m);

		assert_non_null(mi);
		assert_int_equal(mi->id, m);
		assert_true(mi->name[0] && mi->anchor[0] && mi->help[0]);
		/* `help run` prints it after a 15-column name */
		assert_in_range(strlen(mi->help), 1, 64);
		assert_string_equal(al_model_name((enum al_model)m), mi->name);
		assert_int_equal(al_model_parse(mi->name), m);
		assert_int_equal(mi->params & ~((1u << AL_PARAM_COUNT) - 1), 0);
		/* its code: the desc its registry line names, for this id */
		assert_non_null(md);
		assert_int_equal(md->id, m);
		assert_non_null(md->main);
		assert_true(md->frame_size >= sizeof(struct al_model_frame));
		for (int k = 0; k < m; k++)
			assert_string_not_equal(al_model_info((enum al_model)k)->name, mi->name);
	}
	/* a colour of its own in the timelines and the sweep's chart */
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		for (int k = 0; k < m; k++)
			assert_memory_not_equal(&viz_model_rgb[m], &viz_model_rgb[k],
						sizeof viz_model_rgb[m]);
	/* `all` is the CLI's and the scenario's word for every model */
	assert_int_equal(al_model_parse("all"), -1);
	assert_null(al_model_info(AL_MODEL_COUNT));
	assert_null(al_model_get(AL_MODEL_COUNT));
	assert_string_equal(al_model_name(AL_MODEL_COUNT), "?");
}

static void every_param_is_whole(void **state)
{
	struct al_model_cfg c;

	(void)state;
	al_model_cfg_default(&c);
	assert_true(c.enabled);
	for (int p = 0; p < AL_PARAM_COUNT; p++) {
		const struct al_param_info *pi = al_param_info((enum al_model_param)p);
		unsigned takers = 0;

		assert_non_null(pi);
		assert_int_equal(al_param_find(pi->key), p);
		assert_true(pi->help[0]);
		assert_int_equal(al_param_get(&c, (enum al_model_param)p), pi->def);
		if (pi->kind != AL_PK_BOOL && pi->kind != AL_PK_POLLER)
			assert_true(pi->min <= pi->def && pi->def <= pi->max);
		for (int m = 0; m < AL_MODEL_COUNT; m++)
			takers += al_model_takes((enum al_model)m, (enum al_model_param)p);
		assert_true(takers > 0);     /* a key no model takes is dead */
		/* set and get agree, and leave the other keys alone */
		struct al_model_cfg d = c;
		int64_t v = pi->kind == AL_PK_BOOL ? !pi->def : pi->kind == AL_PK_POLLER ? AL_POLL_SELECT : pi->max;
		al_param_set(&d, (enum al_model_param)p, v);
		assert_int_equal(al_param_get(&d, (enum al_model_param)p), v);
		for (int q = 0; q < AL_PARAM_COUNT; q++)
			if (q != p)
				assert_int_equal(al_param_get(&d, (enum al_model_param)q),
						 al_param_get(&c, (enum al_model_param)q));
	}
	assert_int_equal(al_param_find("nosuch"), -1);
	assert_null(al_param_info(AL_PARAM_COUNT));
	assert_false(al_model_takes(AL_MODEL_COUNT, 0));
	assert_false(al_model_takes(0, AL_PARAM_COUNT));
}

/* The value a scenario writes for p that is not its default. */
static void other_value(char *buf, size_t n, const struct al_param_info *pi, int64_t *v)
{
	switch (pi->kind) {
	case AL_PK_BOOL:
		*v = !pi->def;
		snprintf(buf, n, "%s", *v ? "true" : "false");
		return;
	case AL_PK_POLLER:
		*v = AL_POLL_SELECT;
		snprintf(buf, n, "%s", al_poller_name(AL_POLL_SELECT));
		return;
	case AL_PK_COUNT:
		*v = pi->max;
		al_walk_fmt(buf, n, AL_F_COUNT, *v);
		return;
	case AL_PK_SIZE:
		*v = pi->max;
		al_walk_fmt(buf, n, AL_F_SIZE, *v);
		return;
	case AL_PK_DURATION:
		*v = pi->max;
		al_walk_fmt(buf, n, AL_F_DURATION, *v);
		return;
	}
	fail();
}

/* A model item takes exactly the keys the registry gives its model: each
 * lands in the model's cfg; the others are refused, naming the models
 * that do take them. */
static void schema_follows_registry(void **state)
{
	(void)state;
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		for (int p = 0; p < AL_PARAM_COUNT; p++) {
			const struct al_param_info *pi = al_param_info((enum al_model_param)p);
			char val[64], text[256], err[512] = "", want[128];
			struct al_scenario sc;
			int64_t v;

			other_value(val, sizeof val, pi, &v);
			snprintf(text, sizeof text, "models:\n  - {name: %s, %s: %s}\n",
				 al_model_name((enum al_model)m), pi->key, val);
			int rc = al_scenario_load_string("t.yaml", text, strlen(text), &sc, err,
							 sizeof err);
			if (al_model_takes((enum al_model)m, (enum al_model_param)p)) {
				if (rc != 0)
					fail_msg("%s: %s", text, err);
				assert_int_equal(al_param_get(&sc.models[m], (enum al_model_param)p), v);
				continue;
			}
			assert_int_equal(rc, -1);
			snprintf(want, sizeof want, "'%s' does not apply to %s (only to ", pi->key,
				 al_model_name((enum al_model)m));
			if (strstr(err, want) == NULL)
				fail_msg("%s: %s", text, err);
		}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Whether doc has anchor: an <a id="anchor"> or a heading GitHub gives
 * that slug (lower case, blanks to '-', punctuation dropped). */
static int has_anchor(const char *doc, const char *anchor)
{
	char id[96];

	snprintf(id, sizeof id, "id=\"%s\"", anchor);
	if (strstr(doc, id))
		return 1;
	for (const char *l = doc; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char slug[96];
		size_t n = 0;

		if (*l != '#')
			continue;
		while (*l == '#')
			l++;
		while (*l == ' ')
			l++;
		for (; *l && *l != '\n' && n + 1 < sizeof slug; l++)
			if (isalnum((unsigned char)*l) || *l == '-' || *l == '_')
				slug[n++] = (char)tolower((unsigned char)*l);
			else if (*l == ' ')
				slug[n++] = '-';
		slug[n] = '\0';
		if (strcmp(slug, anchor) == 0)
			return 1;
	}
	return 0;
}

/* docs/models.md's table has a row for every model, and its anchor is
 * there.  (Run from the repository root, as make test does.) */
static void docs_list_every_model(void **state)
{
	char *doc = slurp("docs/models.md");

	(void)state;
	assert_false(has_anchor(doc, "no-such-anchor"));
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		const struct al_model_info *mi = al_model_info((enum al_model)m);
		char row[64];

		snprintf(row, sizeof row, "`%s` |", mi->name);
		if (strstr(doc, row) == NULL)
			fail_msg("docs/models.md: no table row for `%s`", mi->name);
		if (!has_anchor(doc, mi->anchor))
			fail_msg("docs/models.md: no anchor '%s' for %s", mi->anchor, mi->name);
	}
	free(doc);
}

/* `asynclab help run` names every model with its help line. */
static void help_lists_every_model(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	al_usage_print(f, AL_CLI_RUN);
	assert_int_equal(fclose(f), 0);
	assert_null(strstr(text, "@MODELS@"));
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		const struct al_model_info *mi = al_model_info((enum al_model)m);
		char line[160];

		snprintf(line, sizeof line, "\n  %-13s%s\n", mi->name, mi->help);
		if (strstr(text, line) == NULL)
			fail_msg("help run: no line for %s", mi->name);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_model_is_whole),
		cmocka_unit_test(every_param_is_whole),
		cmocka_unit_test(schema_follows_registry),
		cmocka_unit_test(docs_list_every_model),
		cmocka_unit_test(help_lists_every_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
