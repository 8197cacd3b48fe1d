/* The byte level of run files (viz_file.h): a growing little-endian output
 * buffer, a bounds-checked input cursor, LEB128 varints, the file's
 * checksum, and a table-driven codec for plain structs (the scenario and
 * the report) so that one table per struct drives both directions and the
 * writer and the reader cannot drift apart.
 *
 * The cursor's failures are sticky: the first one is kept (what and at which
 * byte) and every later read returns 0, so a decoder reads a block and
 * checks once, and no read ever goes past the end.  Internal to viz/. */
#ifndef VIZ_CODEC_H
#define VIZ_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct viz_enc {
	uint8_t *buf;
	size_t len, cap;
	int failed;                  /* out of memory: the rest is dropped */
};

/* Invariant: pos <= len; err != NULL once a read failed (then pos == len). */
struct viz_dec {
	const uint8_t *buf;
	size_t len, pos;
	const char *err;             /* the first failure, a static string */
	size_t err_at;               /* the byte it happened at */
};

void viz_enc_free(struct viz_enc *e);
/* Makes room for `more` bytes; -1 (and e->failed) when memory runs out. */
int viz_enc_reserve(struct viz_enc *e, size_t more);

static inline void viz_enc_bytes(struct viz_enc *e, const void *p, size_t n)
{
	if (n == 0 || (e->cap - e->len < n && viz_enc_reserve(e, n) != 0))
		return;
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

static inline void viz_enc_uint(struct viz_enc *e, uint64_t v, unsigned bytes)
{
	uint8_t b[8];

	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	viz_enc_bytes(e, b, bytes);
}

static inline void viz_enc_u8(struct viz_enc *e, uint8_t v) { viz_enc_uint(e, v, 1); }
static inline void viz_enc_u32(struct viz_enc *e, uint32_t v) { viz_enc_uint(e, v, 4); }
static inline void viz_enc_u64(struct viz_enc *e, uint64_t v) { viz_enc_uint(e, v, 8); }

static inline void viz_enc_varint(struct viz_enc *e, uint64_t v)
{
	if (e->cap - e->len < 10 && viz_enc_reserve(e, 10) != 0)
		return;
	while (v >= 0x80) {
		e->buf[e->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	e->buf[e->len++] = (uint8_t)v;
}

/* Signed values as zigzag varints: small magnitudes of either sign are short. */
static inline uint64_t viz_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static inline int64_t viz_unzigzag(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* A string: its length as a varint, then its bytes (no NUL). */
void viz_enc_str(struct viz_enc *e, const char *s, size_t n);

static inline int viz_dec_fail(struct viz_dec *d, const char *why)
{
	if (!d->err) {
		d->err = why;
		d->err_at = d->pos;
	}
	d->pos = d->len;
	return -1;
}

static inline size_t viz_dec_left(const struct viz_dec *d)
{
	return d->len - d->pos;
}

static inline uint64_t viz_dec_uint(struct viz_dec *d, unsigned bytes)
{
	uint64_t v = 0;

	if (viz_dec_left(d) < bytes) {
		viz_dec_fail(d, "unexpected end of data");
		return 0;
	}
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)d->buf[d->pos + i] << (8 * i);
	d->pos += bytes;
	return v;
}

static inline uint8_t viz_dec_u8(struct viz_dec *d) { return (uint8_t)viz_dec_uint(d, 1); }
static inline uint32_t viz_dec_u32(struct viz_dec *d) { return (uint32_t)viz_dec_uint(d, 4); }
static inline uint64_t viz_dec_u64(struct viz_dec *d) { return viz_dec_uint(d, 8); }

static inline uint64_t viz_dec_varint(struct viz_dec *d)
{
	uint64_t v = 0;

	for (unsigned shift = 0; d->pos < d->len; shift += 7) {
		uint8_t b = d->buf[d->pos++];

		/* the tenth byte holds bit 63 only: more would not fit */
		if (shift == 63 && b > 1)
			break;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	viz_dec_fail(d, "bad varint");
	return 0;
}

/* A string of at most max bytes: *s points into the buffer (not
 * NUL-terminated), *n is its length.  Strings holding a NUL are refused,
 * as they could not round-trip through C strings.  0 or -1. */
int viz_dec_str(struct viz_dec *d, size_t max, const char **s, size_t *n);

/* The file's checksum: 64-bit words, little-endian, each folded by a
 * multiply and an xor-shift (both bijective), then the length.  Any change
 * confined to one word -- every flipped byte -- changes the result. */
uint64_t viz_checksum(const void *buf, size_t len);

/* Table-driven codec of plain structs: each field is stored at a fixed
 * width in table order (ints and doubles 8 or 4 bytes, enums 4, bools 1,
 * strings length-prefixed), so the bytes depend on the values only, never
 * on padding.  The reader validates as it goes: enums in range, bools 0 or
 * 1, strings that fit their array. */
enum viz_ftype { VIZ_F_I32, VIZ_F_I64, VIZ_F_U64, VIZ_F_F64, VIZ_F_BOOL, VIZ_F_ENUM,
		 VIZ_F_STR, VIZ_F_SUB };

/* How an array's elements are named in key/value blocks (viz_kv.h). */
enum viz_keyed { VIZ_K_NONE, VIZ_K_INDEX, VIZ_K_MODEL };

struct viz_field {
	const char *name;            /* the member's: a key's segment (viz_kv.h) */
	uint8_t type;                /* enum viz_ftype */
	uint8_t keyed;               /* enum viz_keyed: an array's element names */
	uint8_t count;               /* elements (arrays), 1 for a scalar */
	uint16_t max;                /* VIZ_F_ENUM: values are < max */
	uint32_t size;               /* bytes of one element in the struct */
	size_t off;
	const struct viz_field *sub; /* VIZ_F_SUB: the element's fields */
	size_t nsub;
};

void viz_fields_put(struct viz_enc *e, const struct viz_field *f, size_t nf, const void *obj);
/* 0, or -1 with d->err set. */
int viz_fields_get(struct viz_dec *d, const struct viz_field *f, size_t nf, void *obj);

#endif
