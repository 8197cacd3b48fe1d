/* The model registry (docs/models.md): every model's name, the parameters
 * it takes with their defaults and ranges, a help line and where the docs
 * explain it, expanded from core/al_models.def and core/al_model_params.def
 * so that nothing else lists the models.  The CLI's lists, help, the
 * scenario schema, completion and the tests iterate over it; models/crawl.c
 * adds each model's code (al_model_get).  libc only: plain data. */
#ifndef AL_MODELS_H
#define AL_MODELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum al_poller { AL_POLL_EPOLL, AL_POLL_POLL, AL_POLL_SELECT };

enum al_model_param {
#define AL_MODEL_PARAM(key, type, kind, min, max, def, help) AL_PARAM_##key,
#include "core/al_model_params.def"
#undef AL_MODEL_PARAM
	AL_PARAM_COUNT
};

/* A model's parameter set, as core/al_models.def writes it. */
#define AL_P(key) (1u << AL_PARAM_##key)

enum al_model {
#define AL_MODEL(id, name, params, anchor, help) AL_MODEL_##id,
#include "core/al_models.def"
#undef AL_MODEL
	AL_MODEL_COUNT
};

/* masks of models (1u << model) are unsigned throughout */
_Static_assert(AL_MODEL_COUNT <= 31, "a model mask is an unsigned");
_Static_assert(AL_PARAM_COUNT <= 32, "a parameter mask is an unsigned");

/* One model's configuration in a scenario: enabled, and every model's
 * parameters (those it does not take keep their defaults, unread). */
struct al_model_cfg {
	bool enabled;
#define AL_MODEL_PARAM(key, type, kind, min, max, def, help) type key;
#include "core/al_model_params.def"
#undef AL_MODEL_PARAM
};

enum al_param_kind { AL_PK_COUNT, AL_PK_BOOL, AL_PK_POLLER, AL_PK_SIZE, AL_PK_DURATION };

struct al_param_info {
	const char *key;
	enum al_param_kind kind;
	size_t off, size;            /* the field in struct al_model_cfg */
	int64_t min, max, def;
	const char *help;
};

struct al_model_info {
	enum al_model id;
	const char *name;
	unsigned params;             /* AL_P() bits of the keys it takes */
	const char *anchor;          /* docs/models.md#anchor */
	const char *help;
};

/* The model's entry, or NULL when m is not a model. */
const struct al_model_info *al_model_info(enum al_model m);
/* The parameter's entry, or NULL when p is not one. */
const struct al_param_info *al_param_info(enum al_model_param p);
/* The parameter named key, or -1. */
int al_param_find(const char *key);
/* Whether model m takes parameter p (false for either out of range). */
bool al_model_takes(enum al_model m, enum al_model_param p);
/* Reads / writes parameter p of c as an int64_t, whatever its C type
 * (bool 0 or 1, an enum its value). */
int64_t al_param_get(const struct al_model_cfg *c, enum al_model_param p);
void al_param_set(struct al_model_cfg *c, enum al_model_param p, int64_t v);
/* Enabled, every parameter at its default. */
void al_model_cfg_default(struct al_model_cfg *c);

/* The model's name ("?" when m is not a model). */
const char *al_model_name(enum al_model m);
/* Returns the model for a CLI / scenario name, or -1. */
int al_model_parse(const char *name);
/* "sync, process, ..., asyncio" into buf (truncated to len, always
 * terminated); returns buf. */
char *al_model_list(char *buf, size_t len, const char *sep);
const char *al_poller_name(enum al_poller p);
/* Returns the poller for "epoll", "poll" or "select", or -1. */
int al_poller_parse(const char *name);

#endif
