/* The registry's tables, expanded from the two .def files (see
 * core/al_models.h).  Lookups are linear: ten models, a handful of keys. */
#include "core/al_models.h"

#include <stdio.h>
#include <string.h>

static const struct al_model_info models[AL_MODEL_COUNT] = {
#define AL_MODEL(id, name, params, anchor, help) \
	[AL_MODEL_##id] = {AL_MODEL_##id, #name, (params), anchor, help},
#include "core/al_models.def"
#undef AL_MODEL
};

#define CFG(key) offsetof(struct al_model_cfg, key), sizeof(((struct al_model_cfg *)0)->key)
static const struct al_param_info params[AL_PARAM_COUNT] = {
#define AL_MODEL_PARAM(key, type, kind, min, max, def, help) \
	[AL_PARAM_##key] = {#key, AL_PK_##kind, CFG(key), (min), (max), (def), help},
#include "core/al_model_params.def"
#undef AL_MODEL_PARAM
};

/* al_param_get and al_param_set know these sizes only */
#define AL_MODEL_PARAM(key, type, kind, min, max, def, help)                            \
	_Static_assert(sizeof(type) == sizeof(bool) || sizeof(type) == sizeof(int) ||    \
		       sizeof(type) == sizeof(int64_t), #key ": a bool, int, enum or int64_t");
#include "core/al_model_params.def"
#undef AL_MODEL_PARAM

static const char *const poller_names[] = {
	[AL_POLL_EPOLL] = "epoll",
	[AL_POLL_POLL] = "poll",
	[AL_POLL_SELECT] = "select",
};

const struct al_model_info *al_model_info(enum al_model m)
{
	return (unsigned)m < AL_MODEL_COUNT ? &models[m] : NULL;
}

const struct al_param_info *al_param_info(enum al_model_param p)
{
	return (unsigned)p < AL_PARAM_COUNT ? &params[p] : NULL;
}

int al_param_find(const char *key)
{
	for (int p = 0; p < AL_PARAM_COUNT; p++)
		if (strcmp(key, params[p].key) == 0)
			return p;
	return -1;
}

bool al_model_takes(enum al_model m, enum al_model_param p)
{
	return (unsigned)m < AL_MODEL_COUNT && (unsigned)p < AL_PARAM_COUNT &&
	       (models[m].params & (1u << p));
}

/* The field's bytes by its size: the .def's C types are bool, int, an
 * enum (int-sized on every ABI we build for) or int64_t. */
int64_t al_param_get(const struct al_model_cfg *c, enum al_model_param p)
{
	const struct al_param_info *pi = &params[p];
	const char *at = (const char *)c + pi->off;

	if (pi->kind == AL_PK_BOOL) {
		bool b;
		memcpy(&b, at, sizeof b);
		return b;
	}
	if (pi->size == sizeof(int64_t)) {
		int64_t v;
		memcpy(&v, at, sizeof v);
		return v;
	}
	int v;
	memcpy(&v, at, sizeof v);
	return v;
}

void al_param_set(struct al_model_cfg *c, enum al_model_param p, int64_t v)
{
	const struct al_param_info *pi = &params[p];
	char *at = (char *)c + pi->off;

	if (pi->kind == AL_PK_BOOL) {
		bool b = v != 0;
		memcpy(at, &b, sizeof b);
	} else if (pi->size == sizeof(int64_t)) {
		memcpy(at, &v, sizeof v);
	} else {
		int i = (int)v;
		memcpy(at, &i, sizeof i);
	}
}

void al_model_cfg_default(struct al_model_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->enabled = true;
	for (int p = 0; p < AL_PARAM_COUNT; p++)
		al_param_set(c, (enum al_model_param)p, params[p].def);
}

const char *al_model_name(enum al_model m)
{
	return (unsigned)m < AL_MODEL_COUNT ? models[m].name : "?";
}

int al_model_parse(const char *name)
{
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		if (strcmp(name, models[m].name) == 0)
			return m;
	return -1;
}

char *al_model_list(char *buf, size_t len, const char *sep)
{
	size_t at = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (int m = 0; m < AL_MODEL_COUNT && at < len; m++) {
		int n = snprintf(buf + at, len - at, "%s%s", m ? sep : "", models[m].name);
		if (n < 0)
			break;
		at += (size_t)n;
	}
	return buf;
}

const char *al_poller_name(enum al_poller p)
{
	return (unsigned)p <= AL_POLL_SELECT ? poller_names[p] : "?";
}

int al_poller_parse(const char *name)
{
	for (int p = 0; p <= AL_POLL_SELECT; p++)
		if (strcmp(name, poller_names[p]) == 0)
			return p;
	return -1;
}
