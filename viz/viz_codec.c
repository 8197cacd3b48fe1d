/* The byte level of run files: see viz_codec.h.  Kept apart from the file
 * format (viz_file.c) so that the format reads as a list of what is
 * stored, not of how bytes are shuffled. */
#include <stdbool.h>
#include <stdlib.h>

#include "core/al_assert.h"
#include "viz/viz_codec.h"

/* Enums and ints are copied through int: their size is checked here once. */
_Static_assert(sizeof(int) == 4, "run files store ints and enums in 4 bytes");
_Static_assert(sizeof(bool) == 1, "run files store bools in 1 byte");

void viz_enc_free(struct viz_enc *e)
{
	free(e->buf);
	memset(e, 0, sizeof *e);
}

int viz_enc_reserve(struct viz_enc *e, size_t more)
{
	if (e->failed)
		return -1;
	if (e->cap - e->len >= more)
		return 0;
	size_t cap = e->cap ? e->cap : 4096;

	while (cap - e->len < more) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	uint8_t *p = realloc(e->buf, cap);

	if (!p)
		goto fail;
	e->buf = p;
	e->cap = cap;
	return 0;
fail:
	e->failed = 1;
	return -1;
}

void viz_enc_str(struct viz_enc *e, const char *s, size_t n)
{
	viz_enc_varint(e, n);
	viz_enc_bytes(e, s, n);
}

int viz_dec_str(struct viz_dec *d, size_t max, const char **s, size_t *n)
{
	uint64_t len = viz_dec_varint(d);

	*s = "";
	*n = 0;
	if (d->err)
		return -1;
	if (len > viz_dec_left(d))
		return viz_dec_fail(d, "string longer than the data left");
	if (len > max)
		return viz_dec_fail(d, "string too long");
	if (memchr(d->buf + d->pos, '\0', (size_t)len))
		return viz_dec_fail(d, "string holds a NUL byte");
	*s = (const char *)d->buf + d->pos;
	*n = (size_t)len;
	d->pos += (size_t)len;
	return 0;
}

#define MIX 0x9e3779b97f4a7c15ull

static uint64_t fold(uint64_t h, uint64_t w)
{
	h = (h ^ w) * MIX;
	return h ^ (h >> 29);
}

uint64_t viz_checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i = 0;

	for (; len - i >= 8; i += 8) {
		uint64_t w = 0;

		for (unsigned k = 0; k < 8; k++)
			w |= (uint64_t)p[i + k] << (8 * k);
		h = fold(h, w);
	}
	uint64_t tail = 0;

	for (unsigned k = 0; i + k < len; k++)
		tail |= (uint64_t)p[i + k] << (8 * k);
	h = fold(h, tail);
	return fold(h, (uint64_t)len);
}

void viz_fields_put(struct viz_enc *e, const struct viz_field *f, size_t nf, const void *obj)
{
	for (size_t i = 0; i < nf; i++, f++) {
		for (unsigned k = 0; k < f->count; k++) {
			const char *p = (const char *)obj + f->off + (size_t)k * f->size;
			int32_t i32;
			int64_t i64;
			bool b;

			switch (f->type) {
			case VIZ_F_I32:
			case VIZ_F_ENUM:
				AL_ASSERT(f->size == 4);
				memcpy(&i32, p, 4);
				viz_enc_u32(e, (uint32_t)i32);
				break;
			case VIZ_F_I64:
			case VIZ_F_U64:
			case VIZ_F_F64:
				AL_ASSERT(f->size == 8);
				memcpy(&i64, p, 8);   /* doubles as their IEEE-754 bits */
				viz_enc_u64(e, (uint64_t)i64);
				break;
			case VIZ_F_BOOL:
				memcpy(&b, p, 1);
				viz_enc_u8(e, b ? 1 : 0);
				break;
			case VIZ_F_STR:
				viz_enc_str(e, p, strnlen(p, f->size - 1));
				break;
			case VIZ_F_SUB:
				viz_fields_put(e, f->sub, f->nsub, p);
				break;
			default:
				AL_ASSERT(0);
			}
		}
	}
}

int viz_fields_get(struct viz_dec *d, const struct viz_field *f, size_t nf, void *obj)
{
	for (size_t i = 0; i < nf && !d->err; i++, f++) {
		for (unsigned k = 0; k < f->count && !d->err; k++) {
			char *p = (char *)obj + f->off + (size_t)k * f->size;
			const char *s;
			size_t n;
			uint64_t u;
			uint32_t u32;
			uint8_t u8;

			switch (f->type) {
			case VIZ_F_I32:
				u32 = viz_dec_u32(d);
				memcpy(p, &u32, 4);
				break;
			case VIZ_F_ENUM:
				u32 = viz_dec_u32(d);
				if (u32 >= f->max)
					return viz_dec_fail(d, "value out of range");
				memcpy(p, &u32, 4);
				break;
			case VIZ_F_I64:
			case VIZ_F_U64:
			case VIZ_F_F64:
				u = viz_dec_u64(d);
				memcpy(p, &u, 8);
				break;
			case VIZ_F_BOOL:
				u8 = viz_dec_u8(d);
				if (u8 > 1)
					return viz_dec_fail(d, "boolean neither 0 nor 1");
				*(bool *)(void *)p = u8 == 1;
				break;
			case VIZ_F_STR:
				if (viz_dec_str(d, f->size - 1, &s, &n) != 0)
					return -1;
				memcpy(p, s, n);
				memset(p + n, 0, f->size - n);
				break;
			case VIZ_F_SUB:
				if (viz_fields_get(d, f->sub, f->nsub, p) != 0)
					return -1;
				break;
			default:
				AL_ASSERT(0);
			}
		}
	}
	return d->err ? -1 : 0;
}
