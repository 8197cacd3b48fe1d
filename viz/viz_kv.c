/* Key/value blocks of run files: see viz_kv.h.  The keys are built and
 * resolved through the same field tables that say where each value lives,
 * so a writer and a reader of one build cannot disagree, and a reader of
 * another build agrees on every key both know. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/al_assert.h"
#include "core/al_models.h"
#include "viz/viz_kv.h"

static void put_key(struct viz_enc *e, const char *key, uint8_t type)
{
	viz_enc_str(e, key, strlen(key));
	viz_enc_u8(e, type);
}

void viz_kv_put_int(struct viz_enc *e, const char *key, int64_t v)
{
	put_key(e, key, VIZ_KV_INT);
	viz_enc_varint(e, viz_zigzag(v));
}

void viz_kv_end(struct viz_enc *e)
{
	viz_enc_str(e, "", 0);
}

/* The name of f's element k: "" for a scalar, ".3", ".thread". */
static void element(char *buf, size_t n, const struct viz_field *f, unsigned k)
{
	if (f->keyed == VIZ_K_MODEL)
		snprintf(buf, n, ".%s", al_model_name((enum al_model)k));
	else if (f->keyed == VIZ_K_INDEX)
		snprintf(buf, n, ".%u", k);
	else
		buf[0] = '\0';
}

void viz_kv_put(struct viz_enc *e, const char *prefix, const struct viz_field *f, size_t nf,
		const void *obj, bool zeros)
{
	for (size_t i = 0; i < nf; i++, f++)
		for (unsigned k = 0; k < f->count; k++) {
			const char *p = (const char *)obj + f->off + (size_t)k * f->size;
			char key[VIZ_KV_KEY_MAX + 1], el[32];
			int32_t i32;
			int64_t i64;
			bool b;

			/* a scalar's bytes all 0: int 0, false, +0.0, "" */
			if (!zeros && f->type != VIZ_F_SUB &&
			    memcmp(p, (const char[8]){0}, f->type == VIZ_F_STR ? 1 : f->size) == 0)
				continue;
			element(el, sizeof el, f, k);
			int n = snprintf(key, sizeof key, "%s%s%s%s", prefix, f->name, el,
					 f->type == VIZ_F_SUB ? "." : "");
			AL_ASSERT(n > 0 && (size_t)n < sizeof key);
			switch (f->type) {
			case VIZ_F_I32:
			case VIZ_F_ENUM:
				memcpy(&i32, p, 4);
				viz_kv_put_int(e, key, i32);
				break;
			case VIZ_F_I64:
				memcpy(&i64, p, 8);
				viz_kv_put_int(e, key, i64);
				break;
			case VIZ_F_U64:
				memcpy(&i64, p, 8);
				put_key(e, key, VIZ_KV_UINT);
				viz_enc_varint(e, (uint64_t)i64);
				break;
			case VIZ_F_F64:
				memcpy(&i64, p, 8);   /* the IEEE-754 bits */
				put_key(e, key, VIZ_KV_F64);
				viz_enc_u64(e, (uint64_t)i64);
				break;
			case VIZ_F_BOOL:
				memcpy(&b, p, 1);
				viz_kv_put_int(e, key, b);
				break;
			case VIZ_F_STR:
				put_key(e, key, VIZ_KV_STR);
				viz_enc_str(e, p, strnlen(p, f->size - 1));
				break;
			case VIZ_F_SUB:
				viz_kv_put(e, key, f->sub, f->nsub, p, zeros);
				break;
			default:
				AL_ASSERT(0);
			}
		}
}

int viz_kv_key(struct viz_dec *d, char *key)
{
	const char *s;
	size_t n;

	if (viz_dec_str(d, VIZ_KV_KEY_MAX, &s, &n) != 0)
		return -1;
	memcpy(key, s, n);
	key[n] = '\0';
	return n > 0;
}

int viz_kv_skip(struct viz_dec *d)
{
	const char *s;
	size_t n;

	switch (viz_dec_u8(d)) {
	case VIZ_KV_INT:
	case VIZ_KV_UINT:
		viz_dec_varint(d);
		break;
	case VIZ_KV_F64:
		viz_dec_u64(d);
		break;
	case VIZ_KV_STR:
		return viz_dec_str(d, viz_dec_left(d), &s, &n);
	default:
		return viz_dec_fail(d, "a value of an unknown type");
	}
	return d->err ? -1 : 0;
}

int viz_kv_int(struct viz_dec *d, int64_t *v)
{
	*v = 0;
	if (viz_dec_u8(d) != VIZ_KV_INT)
		return viz_dec_fail(d, "a value of the wrong type");
	*v = viz_unzigzag(viz_dec_varint(d));
	return d->err ? -1 : 0;
}

/* The element of f that segment seg (n bytes) names, or -1. */
static int element_of(const struct viz_field *f, const char *seg, size_t n)
{
	char buf[32];

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, seg, n);
	buf[n] = '\0';
	if (f->keyed == VIZ_K_MODEL) {
		int m = al_model_parse(buf);
		return m < f->count ? m : -1;
	}
	if (n > 3 || buf[0] < '0' || buf[0] > '9' || (buf[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
	int k = atoi(buf);
	return k < f->count ? k : -1;
}

/* The scalar field key names in the tables f[0..nf) of obj: 1 with *out
 * and *at, or 0. */
static int resolve(const char *key, const struct viz_field *f, size_t nf, char *obj,
		   const struct viz_field **out, char **at)
{
	size_t n = strcspn(key, ".");

	for (size_t i = 0; i < nf; i++, f++) {
		if (strlen(f->name) != n || memcmp(f->name, key, n) != 0)
			continue;
		const char *rest = key[n] ? key + n + 1 : NULL;
		int k = 0;

		if (f->keyed != VIZ_K_NONE) {
			size_t m;

			if (!rest)
				return 0;
			m = strcspn(rest, ".");
			if ((k = element_of(f, rest, m)) < 0)
				return 0;
			rest = rest[m] ? rest + m + 1 : NULL;
		}
		char *p = obj + f->off + (size_t)k * f->size;

		if (f->type == VIZ_F_SUB)
			return rest ? resolve(rest, f->sub, f->nsub, p, out, at) : 0;
		if (rest)
			return 0;
		*out = f;
		*at = p;
		return 1;
	}
	return 0;
}

int viz_kv_value(struct viz_dec *d, const char *key, const struct viz_field *f, size_t nf,
		 void *obj)
{
	const struct viz_field *fl;
	char *p;
	const char *s;
	size_t n;

	if (!resolve(key, f, nf, obj, &fl, &p))
		return viz_kv_skip(d) == 0 ? 0 : -1;
	uint8_t type = viz_dec_u8(d);
	uint64_t u;
	int64_t v;
	int32_t i32;

	if (d->err)
		return -1;
	switch (fl->type) {
	case VIZ_F_I32:
	case VIZ_F_ENUM:
	case VIZ_F_I64:
	case VIZ_F_BOOL:
		if (type != VIZ_KV_INT)
			return viz_dec_fail(d, "a value of the wrong type");
		v = viz_unzigzag(viz_dec_varint(d));
		if (fl->type == VIZ_F_I64) {
			memcpy(p, &v, 8);
		} else if (fl->type == VIZ_F_BOOL) {
			if (v != 0 && v != 1)
				return viz_dec_fail(d, "boolean neither 0 nor 1");
			*(bool *)(void *)p = v == 1;
		} else {
			if (v < INT32_MIN || v > INT32_MAX ||
			    (fl->type == VIZ_F_ENUM && (v < 0 || v >= fl->max)))
				return viz_dec_fail(d, "value out of range");
			i32 = (int32_t)v;
			memcpy(p, &i32, 4);
		}
		break;
	case VIZ_F_U64:
		if (type != VIZ_KV_UINT)
			return viz_dec_fail(d, "a value of the wrong type");
		u = viz_dec_varint(d);
		memcpy(p, &u, 8);
		break;
	case VIZ_F_F64:
		if (type != VIZ_KV_F64)
			return viz_dec_fail(d, "a value of the wrong type");
		u = viz_dec_u64(d);
		memcpy(p, &u, 8);
		break;
	case VIZ_F_STR:
		if (type != VIZ_KV_STR)
			return viz_dec_fail(d, "a value of the wrong type");
		if (viz_dec_str(d, fl->size - 1, &s, &n) != 0)
			return -1;
		memcpy(p, s, n);
		memset(p + n, 0, fl->size - n);
		break;
	default:
		return viz_dec_fail(d, "a key that names no value");
	}
	return d->err ? -1 : 1;
}
