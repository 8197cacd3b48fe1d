/* Numbers with inline units, as scenario files and the command line write
 * them ("150 ms", "4 KiB", "10 Mbit", "2.6 GHz", "1 %", "10_000"), and the
 * matching formatters the reports use.
 *
 * Parsing is exact: the decimal digits are scaled by the unit in integer
 * arithmetic, then rounded half up to the nearest whole unit of the result
 * ("1.5 ns" -> 2 ns, "0.9 us" -> 900 ns), so no binary floating-point error
 * creeps into a scenario.  Only plain decimals are numbers: no hex, no
 * exponent, no inf/nan; the decimal point is always '.', whatever the
 * locale.  The space between number and unit is optional, blanks around the
 * whole text are ignored, units are case-sensitive ("MB" is not "mb"). */
#ifndef AL_UNITS_H
#define AL_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* What a parse returns: 0 on success, else why it failed. */
enum al_units_err {
	AL_UNITS_OK = 0,
	AL_UNITS_EMPTY,     /* nothing but blanks                            */
	AL_UNITS_NAN,       /* does not start with a decimal number          */
	AL_UNITS_MISSING,   /* a number without the unit its kind requires   */
	AL_UNITS_UNKNOWN,   /* a unit the kind does not know                 */
	AL_UNITS_NEGATIVE,  /* a leading '-'                                 */
	AL_UNITS_OVERFLOW,  /* the result does not fit in an int64_t         */
	AL_UNITS_FRACTION,  /* a count that is not a whole number            */
	AL_UNITS_RANGE,     /* a probability above 1 (100 %)                 */
};

/* The kinds of quantity, and the unit each result is in. */
enum al_quantity {
	AL_Q_DURATION,      /* ns us µs ms s min h          -> nanoseconds     */
	AL_Q_SIZE,          /* B kB KB MB GB TB KiB..TiB    -> bytes           */
	AL_Q_BANDWIDTH,     /* bit kbit Mbit Gbit Tbit [/s], bps kbps Mbps
			     * Gbps, B/s kB/s KB/s MB/s GB/s KiB/s MiB/s
			     * GiB/s                       -> bits per second */
	AL_Q_FREQUENCY,     /* Hz kHz MHz GHz              -> hertz            */
	AL_Q_COUNT,         /* an integer, '_' between digits, suffix k or M
			     * (x 1000, x 1000000; "1.5k" is 1500)             */
	AL_Q_COUNT_KINDS
};

/* Parses s (NUL-terminated) as a quantity of kind q (a kind outside the
 * enum is a programmer error and aborts).  Returns AL_UNITS_OK
 * and stores the value in *out; otherwise returns the error, leaves *out
 * alone, and, when msglen > 0, writes a one-line lower-case message without
 * location ("unknown duration unit 'sec' (use ns, us, ms, s, min, h)"). */
int al_parse_quantity(enum al_quantity q, const char *s, int64_t *out,
		      char *msg, size_t msglen);

/* The same, one entry per kind. */
int al_parse_duration(const char *s, int64_t *ns, char *msg, size_t msglen);
int al_parse_size(const char *s, int64_t *bytes, char *msg, size_t msglen);
int al_parse_bandwidth(const char *s, int64_t *bps, char *msg, size_t msglen);
int al_parse_frequency(const char *s, int64_t *hz, char *msg, size_t msglen);
int al_parse_count(const char *s, int64_t *n, char *msg, size_t msglen);

/* A plain unsigned integer up to UINT64_MAX ('_' allowed, no suffix): seeds. */
int al_parse_u64(const char *s, uint64_t *n, char *msg, size_t msglen);
/* A probability: "0.01" or a percentage "1 %" / "1%"; in [0, 1]. */
int al_parse_probability(const char *s, double *p, char *msg, size_t msglen);
/* A unitless non-negative decimal ("0.5", "1.5"): distribution shapes. */
int al_parse_number(const char *s, double *x, char *msg, size_t msglen);

/* "duration", "size", ... as used in messages. */
const char *al_quantity_name(enum al_quantity q);

/* Formatters.  Each writes a NUL-terminated string into buf (when n > 0),
 * truncating like snprintf, and returns the length the full text has.
 * AL_FMT_LEN is always enough.
 *
 * Values below the first step are exact integers ("999 ns", "512 B"); above
 * it they show three significant digits, rounded half up, with trailing
 * zeros dropped: "1.23 s", "150 ms", "3.3 µs", "4 KiB", "13 MiB",
 * "10 Mbit/s".  A unit is used from one of it up to the next unit ("59.9 s",
 * "1.5 min"; "1023 KiB", "1 MiB"); the largest unit has no upper bound
 * ("1234 h").  Negative values get a leading '-'. */
#define AL_FMT_LEN 32
/* ns, µs, ms, s, min, h (the micro sign is UTF-8). */
int al_fmt_duration(char *buf, size_t n, int64_t ns);
/* B, KiB, MiB, GiB, TiB, PiB, EiB (binary steps). */
int al_fmt_bytes(char *buf, size_t n, int64_t bytes);
/* bit/s, kbit/s, Mbit/s, Gbit/s, Tbit/s (decimal steps). */
int al_fmt_rate(char *buf, size_t n, int64_t bps);
/* Hz, kHz, MHz, GHz, THz. */
int al_fmt_freq(char *buf, size_t n, int64_t hz);
/* Exact, with thousands separators: "10,000,000". */
int al_fmt_count(char *buf, size_t n, int64_t v);

/* A copy of user text fit for a message: at most 40 bytes (on a UTF-8
 * boundary, then "..."), control characters (al_text_unsafe) as '?'.
 * n >= 48 is always enough. */
void al_quote(char *dst, size_t n, const char *s, size_t len);

/* The length of the character at s[0 .. len) when it must not reach a
 * terminal from user text, else 0: ASCII and C1 controls, and the
 * Unicode characters that reorder or break what follows them on screen
 * (bidirectional marks, embeddings, overrides and isolates, U+200E/F,
 * U+061C, U+202A-E, U+2066-9; the line and paragraph separators U+2028/9). */
size_t al_text_unsafe(const char *s, size_t len);

/* The error path of every parser: the message, printf-style, into msg
 * (nothing when msglen is 0); returns -1. */
__attribute__((format(printf, 3, 4)))
int al_errf(char *msg, size_t msglen, const char *fmt, ...);

#endif
