/* Numbers with units: an exact decimal scanner, unit tables per kind, and
 * three-significant-digit formatters.
 *
 * A number is scanned into its integer part (a uint64_t) and the text of
 * its fraction digits; the unit's scale is a whole number for every unit we
 * accept, so value * scale is computed digit by digit with no rounding but
 * the final one. */
#include "core/al_units.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_assert.h"

struct unit {
	const char *name;
	int64_t scale;
};

/* Private kinds after the public ones: they share the scanner and the
 * message code. */
enum { Q_PROBABILITY = AL_Q_COUNT_KINDS, Q_NUMBER, Q_U64, Q_ALL };

struct kind {
	const char *name;
	const char *a;               /* its article: "a" duration, "an" integer */
	const char *example;
	const char *help;            /* the unit list shown in messages */
	const struct unit *units;
	size_t nunits;
	int unit_required;
};

#define K 1000LL
#define KI 1024LL
static const struct unit duration_units[] = {
	{"ns", 1}, {"us", K}, {"\xc2\xb5s", K} /* µs, micro sign */,
	{"\xce\xbcs", K} /* μs, greek mu */, {"ms", K * K}, {"s", K * K * K},
	{"min", 60 * K * K * K}, {"h", 3600 * K * K * K},
};
static const struct unit size_units[] = {
	{"B", 1}, {"kB", K}, {"KB", K}, {"MB", K * K}, {"GB", K * K * K},
	{"TB", K * K * K * K}, {"KiB", KI}, {"MiB", KI * KI},
	{"GiB", KI * KI * KI}, {"TiB", KI * KI * KI * KI},
};
static const struct unit bandwidth_units[] = {
	{"bit", 1}, {"kbit", K}, {"Mbit", K * K}, {"Gbit", K * K * K},
	{"Tbit", K * K * K * K}, {"bit/s", 1}, {"kbit/s", K},
	{"Mbit/s", K * K}, {"Gbit/s", K * K * K}, {"Tbit/s", K * K * K * K},
	{"bps", 1}, {"kbps", K}, {"Mbps", K * K}, {"Gbps", K * K * K},
	{"B/s", 8}, {"kB/s", 8 * K}, {"KB/s", 8 * K}, {"MB/s", 8 * K * K},
	{"GB/s", 8 * K * K * K}, {"KiB/s", 8 * KI}, {"MiB/s", 8 * KI * KI},
	{"GiB/s", 8 * KI * KI * KI},
};
static const struct unit frequency_units[] = {
	{"Hz", 1}, {"kHz", K}, {"MHz", K * K}, {"GHz", K * K * K},
};
static const struct unit count_units[] = {
	{"", 1}, {"k", K}, {"M", K * K},
};
static const struct unit plain_units[] = {{"", 1}};

#define N(a) (sizeof(a) / sizeof((a)[0]))
static const struct kind kinds[Q_ALL] = {
	[AL_Q_DURATION] = {"duration", "a", "150 ms", "ns, us, ms, s, min, h",
		duration_units, N(duration_units), 1},
	[AL_Q_SIZE] = {"size", "a", "4 KiB",
		"B, kB, MB, GB, TB, KiB, MiB, GiB, TiB",
		size_units, N(size_units), 1},
	[AL_Q_BANDWIDTH] = {"bandwidth", "a", "10 Mbit",
		"bit, kbit, Mbit, Gbit, Tbit, optionally with /s; bps, kbps, "
		"Mbps, Gbps; B/s, kB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s",
		bandwidth_units, N(bandwidth_units), 1},
	[AL_Q_FREQUENCY] = {"frequency", "a", "2.6 GHz", "Hz, kHz, MHz, GHz",
		frequency_units, N(frequency_units), 1},
	[AL_Q_COUNT] = {"count", "a", "10_000", "k or M, or none",
		count_units, N(count_units), 0},
	[Q_PROBABILITY] = {"probability", "a", "0.01 or 1 %",
		"a fraction like 0.01 or a percentage like 1 %", NULL, 0, 0},
	[Q_NUMBER] = {"number", "a", "1.5", "a plain number", plain_units, 1, 0},
	[Q_U64] = {"integer", "an", "42", "a plain integer", plain_units, 1, 0},
};

/* The scanned text: [sign] digits ['.' digits] [blanks] unit [blanks]. */
struct num {
	int neg;
	int overflow;                /* the integer part exceeds uint64_t */
	int underscore;
	uint64_t ip;
	const char *digits;          /* first digit (or '.'): for strtod  */
	const char *frac;
	size_t nfrac;
	const char *unit;
	size_t unitlen;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int scan(const char *s, struct num *nm)
{
	size_t len;
	int ndig = 0;

	memset(nm, 0, sizeof(*nm));
	while (is_blank(*s))
		s++;
	if (*s == '\0')
		return AL_UNITS_EMPTY;
	if (*s == '+' || *s == '-')
		nm->neg = *s++ == '-';
	nm->digits = s;
	while (is_digit(*s)) {
		unsigned d = (unsigned)(*s++ - '0');
		if (nm->ip > (UINT64_MAX - d) / 10)
			nm->overflow = 1;
		nm->ip = nm->ip * 10 + d;
		ndig++;
		/* '_' only between two digits, as in 10_000_000 */
		if (s[0] == '_' && is_digit(s[1])) {
			nm->underscore = 1;
			s++;
		}
	}
	if (*s == '.') {
		nm->frac = ++s;
		while (is_digit(*s))
			s++;
		nm->nfrac = (size_t)(s - nm->frac);
		ndig += (int)nm->nfrac;
	}
	if (ndig == 0)
		return AL_UNITS_NAN;
	while (is_blank(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	nm->unit = s;
	nm->unitlen = len;
	return AL_UNITS_OK;
}

static const struct unit *find_unit(const struct kind *k, const struct num *nm)
{
	for (size_t i = 0; i < k->nunits; i++)
		if (strlen(k->units[i].name) == nm->unitlen &&
		    memcmp(k->units[i].name, nm->unit, nm->unitlen) == 0)
			return &k->units[i];
	return NULL;
}

/* value * scale, rounded half up.  The fraction is multiplied digit by
 * digit from the last one, like long multiplication on paper: `carry` is
 * the whole part so far, the digits left behind are the result's fraction.
 * *inexact tells whether that fraction is non-zero. */
static int scale_exact(const struct num *nm, int64_t scale, int64_t *out,
		       int *inexact)
{
	uint64_t carry = 0, whole;
	unsigned first = 0;

	*inexact = 0;
	if (nm->overflow || nm->ip > (uint64_t)INT64_MAX / (uint64_t)scale)
		return AL_UNITS_OVERFLOW;
	whole = nm->ip * (uint64_t)scale;
	for (size_t i = nm->nfrac; i-- > 0;) {
		uint64_t t = (uint64_t)(nm->frac[i] - '0') * (uint64_t)scale +
			     carry;
		first = (unsigned)(t % 10);
		carry = t / 10;
		if (first != 0)
			*inexact = 1;
	}
	carry += first >= 5;
	if (carry > (uint64_t)INT64_MAX - whole)
		return AL_UNITS_OVERFLOW;
	*out = (int64_t)(whole + carry);
	return AL_UNITS_OK;
}

size_t al_text_unsafe(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	if (len == 0)
		return 0;
	if (u[0] < 0x20 || u[0] == 0x7f)
		return 1;
	if (len >= 2 && u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f)
		return 2;                                   /* C1 */
	if (len >= 2 && u[0] == 0xd8 && u[1] == 0x9c)
		return 2;                                   /* U+061C */
	if (len >= 3 && u[0] == 0xe2 && u[1] == 0x80 &&
	    (u[2] == 0x8e || u[2] == 0x8f || (u[2] >= 0xa8 && u[2] <= 0xae)))
		return 3;                    /* U+200E/F, U+2028/9, U+202A-E */
	if (len >= 3 && u[0] == 0xe2 && u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9)
		return 3;                                   /* U+2066-9 */
	return 0;
}

void al_quote(char *dst, size_t n, const char *s, size_t len)
{
	size_t max = 40, i = 0, o = 0, k;

	if (n == 0)
		return;
	while (max < len && max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	while (i < len && i < max && o + 4 < n) {
		if ((k = al_text_unsafe(s + i, len - i)) > 0) {
			dst[o++] = '?';
			i += k;
		} else {
			dst[o++] = s[i++];
		}
	}
	if (i < len && o + 4 <= n) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

/* The value as messages quote it: trimmed of blanks. */
static void quote(char *dst, size_t n, const char *s)
{
	size_t len;

	while (is_blank(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	al_quote(dst, n, s, len);
}

int al_errf(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msglen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return -1;
}

static int fail(int err, int q, const char *s, const struct num *nm,
		char *msg, size_t msglen)
{
	const struct kind *k = &kinds[q];
	char in[64], unit[64];

	quote(in, sizeof(in), s);
	switch (err) {
	case AL_UNITS_EMPTY:
		al_errf(msg, msglen, "missing value (expected %s %s like %s)",
		    k->a, k->name, k->example);
		break;
	case AL_UNITS_NAN:
		al_errf(msg, msglen, "'%s' is not a number (expected %s %s like "
		    "%s)", in, k->a, k->name, k->example);
		break;
	case AL_UNITS_MISSING:
		al_errf(msg, msglen, "missing %s unit in '%s' (use %s)", k->name,
		    in, k->help);
		break;
	case AL_UNITS_UNKNOWN:
		quote(unit, sizeof(unit), nm->unit);
		if (q == AL_Q_COUNT)
			al_errf(msg, msglen, "unknown count suffix '%s' (use %s)",
			    unit, k->help);
		else if (k->unit_required || q == Q_PROBABILITY)
			al_errf(msg, msglen, "unknown %s unit '%s' (use %s)",
			    k->name, unit, k->help);
		else
			al_errf(msg, msglen, "unexpected '%s' after the number "
			    "(expected %s)", unit, k->help);
		break;
	case AL_UNITS_NEGATIVE:
		al_errf(msg, msglen, "'%s' is negative", in);
		break;
	case AL_UNITS_OVERFLOW:
		al_errf(msg, msglen, "'%s' is too large", in);
		break;
	case AL_UNITS_FRACTION:
		al_errf(msg, msglen, "'%s' is not a whole number", in);
		break;
	default: /* AL_UNITS_RANGE */
		al_errf(msg, msglen, "'%s' is more than 1 (100 %%)", in);
		break;
	}
	return err;
}

/* The number is exactly zero: "0", "0.0", "00". */
static int is_zero(const struct num *nm)
{
	if (nm->ip != 0 || nm->overflow)
		return 0;
	for (size_t i = 0; i < nm->nfrac; i++)
		if (nm->frac[i] != '0')
			return 0;
	return 1;
}

/* Scans and checks the unit; on success *u is the unit (NULL for "%").
 * A unit is required where the kind says so, but not after a bare zero. */
static int front(int q, const char *s, struct num *nm, const struct unit **u,
		 char *msg, size_t msglen)
{
	const struct kind *k = &kinds[q];
	int err = scan(s, nm);

	if (err)
		return fail(err, q, s, nm, msg, msglen);
	*u = NULL;
	if (q == Q_PROBABILITY) {
		if (nm->unitlen > 1 || (nm->unitlen == 1 && nm->unit[0] != '%'))
			return fail(AL_UNITS_UNKNOWN, q, s, nm, msg, msglen);
	} else if (nm->unitlen == 0 && k->unit_required) {
		if (!is_zero(nm))
			return fail(AL_UNITS_MISSING, q, s, nm, msg, msglen);
		*u = &k->units[0];   /* zero is zero in every unit */
	} else if ((*u = find_unit(k, nm)) == NULL) {
		return fail(AL_UNITS_UNKNOWN, q, s, nm, msg, msglen);
	}
	if (nm->neg)
		return fail(AL_UNITS_NEGATIVE, q, s, nm, msg, msglen);
	return AL_UNITS_OK;
}

int al_parse_quantity(enum al_quantity q, const char *s, int64_t *out,
		      char *msg, size_t msglen)
{
	struct num nm;
	const struct unit *u;
	int64_t v;
	int err, inexact;

	AL_ASSERT((unsigned)q < AL_Q_COUNT_KINDS);
	if ((err = front((int)q, s, &nm, &u, msg, msglen)) != 0)
		return err;
	if ((err = scale_exact(&nm, u->scale, &v, &inexact)) != 0)
		return fail(err, (int)q, s, &nm, msg, msglen);
	if (q == AL_Q_COUNT && inexact)
		return fail(AL_UNITS_FRACTION, (int)q, s, &nm, msg, msglen);
	*out = v;
	return AL_UNITS_OK;
}

int al_parse_duration(const char *s, int64_t *ns, char *msg, size_t msglen)
{
	return al_parse_quantity(AL_Q_DURATION, s, ns, msg, msglen);
}

int al_parse_size(const char *s, int64_t *bytes, char *msg, size_t msglen)
{
	return al_parse_quantity(AL_Q_SIZE, s, bytes, msg, msglen);
}

int al_parse_bandwidth(const char *s, int64_t *bps, char *msg, size_t msglen)
{
	return al_parse_quantity(AL_Q_BANDWIDTH, s, bps, msg, msglen);
}

int al_parse_frequency(const char *s, int64_t *hz, char *msg, size_t msglen)
{
	return al_parse_quantity(AL_Q_FREQUENCY, s, hz, msg, msglen);
}

int al_parse_count(const char *s, int64_t *n, char *msg, size_t msglen)
{
	return al_parse_quantity(AL_Q_COUNT, s, n, msg, msglen);
}

int al_parse_u64(const char *s, uint64_t *n, char *msg, size_t msglen)
{
	struct num nm;
	const struct unit *u;
	int err;

	if ((err = front(Q_U64, s, &nm, &u, msg, msglen)) != 0)
		return err;
	if (nm.overflow)
		return fail(AL_UNITS_OVERFLOW, Q_U64, s, &nm, msg, msglen);
	for (size_t i = 0; i < nm.nfrac; i++)
		if (nm.frac[i] != '0')
			return fail(AL_UNITS_FRACTION, Q_U64, s, &nm, msg,
				    msglen);
	*n = nm.ip;
	return AL_UNITS_OK;
}

/* The double kinds go through strtod, which reads exactly the digits scan()
 * accepted: the unit check has already refused anything after them that
 * strtod would take (an exponent, "x" of hex, "inf"). */
static int parse_double(int q, const char *s, double *x, char *msg,
			size_t msglen)
{
	struct num nm;
	const struct unit *u;
	double v;
	int err;

	if ((err = front(q, s, &nm, &u, msg, msglen)) != 0)
		return err;
	if (nm.underscore)
		return fail(AL_UNITS_NAN, q, s, &nm, msg, msglen);
	v = strtod(nm.digits, NULL);
	if (q == Q_PROBABILITY && nm.unitlen == 1)
		v /= 100;
	if (isinf(v))
		return fail(q == Q_PROBABILITY ? AL_UNITS_RANGE :
			    AL_UNITS_OVERFLOW, q, s, &nm, msg, msglen);
	if (q == Q_PROBABILITY && v > 1)
		return fail(AL_UNITS_RANGE, q, s, &nm, msg, msglen);
	*x = v;
	return AL_UNITS_OK;
}

int al_parse_probability(const char *s, double *p, char *msg, size_t msglen)
{
	return parse_double(Q_PROBABILITY, s, p, msg, msglen);
}

int al_parse_number(const char *s, double *x, char *msg, size_t msglen)
{
	return parse_double(Q_NUMBER, s, x, msg, msglen);
}

const char *al_quantity_name(enum al_quantity q)
{
	return (unsigned)q < AL_Q_COUNT_KINDS ? kinds[q].name : "?";
}

/* --- formatting ------------------------------------------------------ */

static const struct unit fmt_duration[] = {
	{"ns", 1}, {"\xc2\xb5s", K}, {"ms", K * K}, {"s", K * K * K},
	{"min", 60 * K * K * K}, {"h", 3600 * K * K * K},
};
static const struct unit fmt_bytes[] = {
	{"B", 1}, {"KiB", KI}, {"MiB", KI * KI}, {"GiB", KI * KI * KI},
	{"TiB", KI * KI * KI * KI}, {"PiB", KI * KI * KI * KI * KI},
	{"EiB", KI * KI * KI * KI * KI * KI},
};
static const struct unit fmt_rate[] = {
	{"bit/s", 1}, {"kbit/s", K}, {"Mbit/s", K * K}, {"Gbit/s", K * K * K},
	{"Tbit/s", K * K * K * K},
};
static const struct unit fmt_freq[] = {
	{"Hz", 1}, {"kHz", K}, {"MHz", K * K}, {"GHz", K * K * K},
	{"THz", K * K * K * K},
};

/* mag / s with d decimals, rounded half up, as an integer (mag / s * 10^d).
 * Long division, one decimal at a time: rem < s <= 2^60, so rem * 10 never
 * overflows where mag * 100 would. */
static uint64_t scaled(uint64_t mag, uint64_t s, int d)
{
	uint64_t r = mag / s, rem = mag % s;

	for (int k = 0; k < d; k++) {
		rem *= 10;
		r = r * 10 + rem / s;
		rem %= s;
	}
	return r + (rem >= s - s / 2);
}

/* Three significant digits in the largest unit not above the value, rounded
 * half up; when rounding reaches the next unit ("999.7 µs") it moves there.
 * Every unit's scale divides the next one's. */
static int fmt_scaled(char *buf, size_t n, int64_t v, const struct unit *u,
		      size_t nu)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint64_t r, p, s;
	size_t i = 0;
	int d;

	while (i + 1 < nu && mag >= (uint64_t)u[i + 1].scale)
		i++;
	for (;;) {
		s = (uint64_t)u[i].scale;
		d = i == 0 ? 0 : mag / s < 10 ? 2 : mag / s < 100 ? 1 : 0;
		r = scaled(mag, s, d);
		/* 9.996 rounds to 10.00: one decimal fewer */
		while (d > 0 && r >= 1000)
			r = scaled(mag, s, --d);
		p = d == 2 ? 100 : d == 1 ? 10 : 1;
		if (i + 1 < nu &&
		    r >= (uint64_t)(u[i + 1].scale / u[i].scale) * p) {
			i++;
			continue;
		}
		break;
	}
	while (d > 0 && r % 10 == 0) {
		r /= 10;
		p /= 10;
		d--;
	}
	if (d == 0)
		return snprintf(buf, n, "%s%llu %s", v < 0 ? "-" : "",
				(unsigned long long)r, u[i].name);
	return snprintf(buf, n, "%s%llu.%0*llu %s", v < 0 ? "-" : "",
			(unsigned long long)(r / p), d,
			(unsigned long long)(r % p), u[i].name);
}

int al_fmt_duration(char *buf, size_t n, int64_t ns)
{
	return fmt_scaled(buf, n, ns, fmt_duration, N(fmt_duration));
}

int al_fmt_bytes(char *buf, size_t n, int64_t bytes)
{
	return fmt_scaled(buf, n, bytes, fmt_bytes, N(fmt_bytes));
}

int al_fmt_rate(char *buf, size_t n, int64_t bps)
{
	return fmt_scaled(buf, n, bps, fmt_rate, N(fmt_rate));
}

int al_fmt_freq(char *buf, size_t n, int64_t hz)
{
	return fmt_scaled(buf, n, hz, fmt_freq, N(fmt_freq));
}

int al_fmt_count(char *buf, size_t n, int64_t v)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char tmp[AL_FMT_LEN];
	size_t len = 0;
	int digits = 0;

	/* build backwards: 3 digits, comma, 3 digits, ... */
	do {
		if (digits > 0 && digits % 3 == 0)
			tmp[len++] = ',';
		tmp[len++] = (char)('0' + mag % 10);
		mag /= 10;
		digits++;
	} while (mag > 0);
	if (v < 0)
		tmp[len++] = '-';
	for (size_t i = 0; i < len / 2; i++) {
		char c = tmp[i];
		tmp[i] = tmp[len - 1 - i];
		tmp[len - 1 - i] = c;
	}
	tmp[len] = '\0';
	return snprintf(buf, n, "%s", tmp);
}
