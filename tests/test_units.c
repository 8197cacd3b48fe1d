/* core/al_units: parsing numbers with units, and the report formatters.
 * Every case is a row: input, expected value or error, expected message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/al_units.h"

struct icase {
	enum al_quantity q;
	const char *in;
	int err;
	int64_t want;              /* when err == 0 */
	const char *msg;           /* when err != 0; NULL: not checked */
};

static const struct icase icases[] = {
	/* durations */
	{AL_Q_DURATION, "150 ms", 0, 150000000, NULL},
	{AL_Q_DURATION, "150ms", 0, 150000000, NULL},
	{AL_Q_DURATION, "  150 \t ms  ", 0, 150000000, NULL},
	{AL_Q_DURATION, "0.9 us", 0, 900, NULL},
	{AL_Q_DURATION, "0.9 \xc2\xb5s", 0, 900, NULL},
	{AL_Q_DURATION, "3.3 \xce\xbcs", 0, 3300, NULL},
	{AL_Q_DURATION, "2.5 s", 0, 2500000000, NULL},
	{AL_Q_DURATION, "1.5 ns", 0, 2, NULL},
	{AL_Q_DURATION, "1.49 ns", 0, 1, NULL},
	{AL_Q_DURATION, "0.5 ns", 0, 1, NULL},
	{AL_Q_DURATION, "0.4999999999999999999999 ns", 0, 0, NULL},
	{AL_Q_DURATION, "0.1 s", 0, 100000000, NULL},
	{AL_Q_DURATION, ".5 s", 0, 500000000, NULL},
	{AL_Q_DURATION, "5. s", 0, 5000000000, NULL},
	{AL_Q_DURATION, "+1 s", 0, 1000000000, NULL},
	{AL_Q_DURATION, "0 ns", 0, 0, NULL},
	{AL_Q_DURATION, "2 min", 0, 120000000000, NULL},
	{AL_Q_DURATION, "1 h", 0, 3600000000000, NULL},
	{AL_Q_DURATION, "1_000 ms", 0, 1000000000, NULL},
	{AL_Q_DURATION, "0.000000001 s", 0, 1, NULL},
	{AL_Q_DURATION, "9223372036854775807 ns", 0, INT64_MAX, NULL},
	{AL_Q_DURATION, "9223372036.854775807 s", 0, INT64_MAX, NULL},
	{AL_Q_DURATION, "9223372036854775808 ns", AL_UNITS_OVERFLOW, 0,
		"'9223372036854775808 ns' is too large"},
	{AL_Q_DURATION, "9223372036.8547758075 s", AL_UNITS_OVERFLOW, 0, NULL},
	{AL_Q_DURATION, "99999999999999999999999 ns", AL_UNITS_OVERFLOW, 0,
		NULL},
	{AL_Q_DURATION, "2562048 h", AL_UNITS_OVERFLOW, 0, NULL},
	{AL_Q_DURATION, "10 sec", AL_UNITS_UNKNOWN, 0,
		"unknown duration unit 'sec' (use ns, us, ms, s, min, h)"},
	{AL_Q_DURATION, "10 MS", AL_UNITS_UNKNOWN, 0, NULL},
	{AL_Q_DURATION, "10 ms ms", AL_UNITS_UNKNOWN, 0,
		"unknown duration unit 'ms ms' (use ns, us, ms, s, min, h)"},
	{AL_Q_DURATION, "150", AL_UNITS_MISSING, 0,
		"missing duration unit in '150' (use ns, us, ms, s, min, h)"},
	{AL_Q_DURATION, "0", 0, 0, NULL},
	{AL_Q_DURATION, " 0.000 ", 0, 0, NULL},
	{AL_Q_DURATION, "0.001", AL_UNITS_MISSING, 0,
		"missing duration unit in '0.001' (use ns, us, ms, s, min, h)"},
	{AL_Q_DURATION, "-0", AL_UNITS_NEGATIVE, 0, NULL},
	{AL_Q_DURATION, "ms", AL_UNITS_NAN, 0,
		"'ms' is not a number (expected a duration like 150 ms)"},
	{AL_Q_DURATION, "", AL_UNITS_EMPTY, 0,
		"missing value (expected a duration like 150 ms)"},
	{AL_Q_DURATION, "   ", AL_UNITS_EMPTY, 0, NULL},
	{AL_Q_DURATION, "-5 ms", AL_UNITS_NEGATIVE, 0, "'-5 ms' is negative"},
	{AL_Q_DURATION, "0x10 ms", AL_UNITS_UNKNOWN, 0,
		"unknown duration unit 'x10 ms' (use ns, us, ms, s, min, h)"},
	{AL_Q_DURATION, "inf s", AL_UNITS_NAN, 0, NULL},
	{AL_Q_DURATION, "nan", AL_UNITS_NAN, 0, NULL},
	{AL_Q_DURATION, "1e3 ms", AL_UNITS_UNKNOWN, 0, NULL},
	{AL_Q_DURATION, ".", AL_UNITS_NAN, 0, NULL},
	{AL_Q_DURATION, "1._5 s", AL_UNITS_UNKNOWN, 0, NULL},
	{AL_Q_DURATION, "1__0 s", AL_UNITS_UNKNOWN, 0, NULL},
	{AL_Q_DURATION, "\x01\x02 s", AL_UNITS_NAN, 0,
		"'?? s' is not a number (expected a duration like 150 ms)"},
	{AL_Q_DURATION, "1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		AL_UNITS_UNKNOWN, 0, "unknown duration unit "
		"'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' "
		"(use ns, us, ms, s, min, h)"},
	/* sizes */
	{AL_Q_SIZE, "4 KiB", 0, 4096, NULL},
	{AL_Q_SIZE, "1256 B", 0, 1256, NULL},
	{AL_Q_SIZE, "1 kB", 0, 1000, NULL},
	{AL_Q_SIZE, "1 KB", 0, 1000, NULL},
	{AL_Q_SIZE, "13 MB", 0, 13000000, NULL},
	{AL_Q_SIZE, "24 GiB", 0, 25769803776, NULL},
	{AL_Q_SIZE, "1.5 MiB", 0, 1572864, NULL},
	{AL_Q_SIZE, "2 TB", 0, 2000000000000, NULL},
	{AL_Q_SIZE, "1 TiB", 0, 1099511627776, NULL},
	{AL_Q_SIZE, "0.3 B", 0, 0, NULL},
	{AL_Q_SIZE, "8388607.9999999999 TiB", 0, 9223372036854775698, NULL},
	{AL_Q_SIZE, "8388608 TiB", AL_UNITS_OVERFLOW, 0, NULL},
	{AL_Q_SIZE, "4 kb", AL_UNITS_UNKNOWN, 0, "unknown size unit 'kb' "
		"(use B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)"},
	{AL_Q_SIZE, "4096", AL_UNITS_MISSING, 0, NULL},
	{AL_Q_SIZE, "0", 0, 0, NULL},
	/* bandwidth */
	{AL_Q_BANDWIDTH, "10 Mbit", 0, 10000000, NULL},
	{AL_Q_BANDWIDTH, "10 Mbit/s", 0, 10000000, NULL},
	{AL_Q_BANDWIDTH, "10Mbps", 0, 10000000, NULL},
	{AL_Q_BANDWIDTH, "1 Gbit", 0, 1000000000, NULL},
	{AL_Q_BANDWIDTH, "56 kbps", 0, 56000, NULL},
	{AL_Q_BANDWIDTH, "300 bit/s", 0, 300, NULL},
	{AL_Q_BANDWIDTH, "1 B/s", 0, 8, NULL},
	{AL_Q_BANDWIDTH, "1.5 MB/s", 0, 12000000, NULL},
	{AL_Q_BANDWIDTH, "1 KiB/s", 0, 8192, NULL},
	{AL_Q_BANDWIDTH, "1 GiB/s", 0, 8589934592, NULL},
	{AL_Q_BANDWIDTH, "10 MB", AL_UNITS_UNKNOWN, 0, NULL},
	{AL_Q_BANDWIDTH, "10 mbit", AL_UNITS_UNKNOWN, 0, NULL},
	{AL_Q_BANDWIDTH, "10 Mbps/s", AL_UNITS_UNKNOWN, 0, NULL},
	/* frequency */
	{AL_Q_FREQUENCY, "2.6 GHz", 0, 2600000000, NULL},
	{AL_Q_FREQUENCY, "800 MHz", 0, 800000000, NULL},
	{AL_Q_FREQUENCY, "50 Hz", 0, 50, NULL},
	{AL_Q_FREQUENCY, "2.6", AL_UNITS_MISSING, 0,
		"missing frequency unit in '2.6' (use Hz, kHz, MHz, GHz)"},
	{AL_Q_FREQUENCY, "2.6 ghz", AL_UNITS_UNKNOWN, 0, NULL},
	/* counts */
	{AL_Q_COUNT, "10", 0, 10, NULL},
	{AL_Q_COUNT, "10_000_000", 0, 10000000, NULL},
	{AL_Q_COUNT, "10k", 0, 10000, NULL},
	{AL_Q_COUNT, "10 M", 0, 10000000, NULL},
	{AL_Q_COUNT, "1.5k", 0, 1500, NULL},
	{AL_Q_COUNT, "2.0", 0, 2, NULL},
	{AL_Q_COUNT, "9223372036854775807", 0, INT64_MAX, NULL},
	{AL_Q_COUNT, "9223372036854775808", AL_UNITS_OVERFLOW, 0, NULL},
	{AL_Q_COUNT, "1.5", AL_UNITS_FRACTION, 0, "'1.5' is not a whole number"},
	{AL_Q_COUNT, "1.0005k", AL_UNITS_FRACTION, 0, NULL},
	{AL_Q_COUNT, "10 G", AL_UNITS_UNKNOWN, 0,
		"unknown count suffix 'G' (use k or M, or none)"},
	{AL_Q_COUNT, "1e6", AL_UNITS_UNKNOWN, 0, NULL},
	{AL_Q_COUNT, "-1", AL_UNITS_NEGATIVE, 0, "'-1' is negative"},
	{AL_Q_COUNT, "ten", AL_UNITS_NAN, 0,
		"'ten' is not a number (expected a count like 10_000)"},
	{AL_Q_COUNT, "10_", AL_UNITS_UNKNOWN, 0, NULL},
	{AL_Q_COUNT, "_10", AL_UNITS_NAN, 0, NULL},
};

static void test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(icases) / sizeof(icases[0]); i++) {
		const struct icase *c = &icases[i];
		char msg[160] = "";
		int64_t v = -12345;
		int err = al_parse_quantity(c->q, c->in, &v, msg, sizeof(msg));

		if (err != c->err || (err == 0 && v != c->want) ||
		    (err != 0 && c->msg && strcmp(msg, c->msg) != 0) ||
		    (err != 0 && v != -12345)) {
			print_error("case %zu '%s': err %d (want %d) value %lld "
				    "(want %lld) msg '%s'\n", i, c->in, err,
				    c->err, (long long)v, (long long)c->want,
				    msg);
			fail();
		}
		if (err != 0)
			assert_true(msg[0] != '\0');
	}
}

struct dcase {
	int prob;                  /* 1: probability, 0: plain number */
	const char *in;
	int err;
	double want;
	const char *msg;
};

static const struct dcase dcases[] = {
	{1, "0.01", 0, 0.01, NULL},
	{1, "1 %", 0, 0.01, NULL},
	{1, "1%", 0, 0.01, NULL},
	{1, "0", 0, 0, NULL},
	{1, "1", 0, 1, NULL},
	{1, "100 %", 0, 1, NULL},
	{1, "0.5 %", 0, 0.005, NULL},
	{1, "1.5", AL_UNITS_RANGE, 0, "'1.5' is more than 1 (100 %)"},
	{1, "101 %", AL_UNITS_RANGE, 0, NULL},
	{1, "-0.1", AL_UNITS_NEGATIVE, 0, "'-0.1' is negative"},
	{1, "1 pct", AL_UNITS_UNKNOWN, 0, "unknown probability unit 'pct' "
		"(use a fraction like 0.01 or a percentage like 1 %)"},
	{1, "1e-3", AL_UNITS_UNKNOWN, 0, NULL},
	{1, "nan", AL_UNITS_NAN, 0, NULL},
	{1, "0x1p-3", AL_UNITS_UNKNOWN, 0, NULL},
	{1, "", AL_UNITS_EMPTY, 0,
		"missing value (expected a probability like 0.01 or 1 %)"},
	{0, "1.5", 0, 1.5, NULL},
	{0, "0.5", 0, 0.5, NULL},
	{0, "1.5 ms", AL_UNITS_UNKNOWN, 0,
		"unexpected 'ms' after the number (expected a plain number)"},
	{0, "1_000", AL_UNITS_NAN, 0, NULL},
	{0, "inf", AL_UNITS_NAN, 0, NULL},
};

static void test_parse_double(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		char msg[160] = "";
		double v = -1;
		int err = c->prob ? al_parse_probability(c->in, &v, msg, sizeof(msg))
				  : al_parse_number(c->in, &v, msg, sizeof(msg));

		if (err != c->err || (err == 0 && v != c->want) ||
		    (err != 0 && c->msg && strcmp(msg, c->msg) != 0)) {
			print_error("case %zu '%s': err %d (want %d) value %g "
				    "msg '%s'\n", i, c->in, err, c->err, v, msg);
			fail();
		}
	}
}

static void test_parse_u64(void **state)
{
	uint64_t v = 0;
	char msg[128];

	(void)state;
	assert_int_equal(al_parse_u64("42", &v, msg, sizeof(msg)), 0);
	assert_true(v == 42);
	assert_int_equal(al_parse_u64("18446744073709551615", &v, NULL, 0), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(al_parse_u64("18_446_744_073_709_551_616", &v, msg,
				      sizeof(msg)), AL_UNITS_OVERFLOW);
	assert_string_equal(msg, "'18_446_744_073_709_551_616' is too large");
	assert_int_equal(al_parse_u64("4.2", &v, msg, sizeof(msg)),
			 AL_UNITS_FRACTION);
	assert_int_equal(al_parse_u64("42k", &v, msg, sizeof(msg)),
			 AL_UNITS_UNKNOWN);
	assert_string_equal(msg, "unexpected 'k' after the number "
			    "(expected a plain integer)");
	assert_int_equal(al_parse_u64("-1", &v, msg, sizeof(msg)),
			 AL_UNITS_NEGATIVE);
	/* a short message buffer truncates, never overflows */
	assert_int_equal(al_parse_u64("x", &v, msg, 5), AL_UNITS_NAN);
	assert_string_equal(msg, "'x' ");
}

struct fcase {
	int (*fmt)(char *, size_t, int64_t);
	int64_t v;
	const char *want;
};

static const struct fcase fcases[] = {
	{al_fmt_duration, 0, "0 ns"},
	{al_fmt_duration, 999, "999 ns"},
	{al_fmt_duration, 1000, "1 \xc2\xb5s"},
	{al_fmt_duration, 3300, "3.3 \xc2\xb5s"},
	{al_fmt_duration, 3304, "3.3 \xc2\xb5s"},
	{al_fmt_duration, 3305, "3.31 \xc2\xb5s"},
	{al_fmt_duration, 999499, "999 \xc2\xb5s"},
	{al_fmt_duration, 999500, "1 ms"},
	{al_fmt_duration, 9995, "10 \xc2\xb5s"},
	{al_fmt_duration, 99950, "100 \xc2\xb5s"},
	{al_fmt_duration, 150000000, "150 ms"},
	{al_fmt_duration, 1234000000, "1.23 s"},
	{al_fmt_duration, 1235000000, "1.24 s"},
	{al_fmt_duration, 1000000000, "1 s"},
	{al_fmt_duration, 59940000000, "59.9 s"},
	{al_fmt_duration, 59950000000, "1 min"},
	{al_fmt_duration, 90000000000, "1.5 min"},
	{al_fmt_duration, 3600000000000, "1 h"},
	{al_fmt_duration, 4442400000000000, "1234 h"},
	{al_fmt_duration, INT64_MAX, "2562048 h"},
	{al_fmt_duration, -1500000, "-1.5 ms"},
	{al_fmt_duration, INT64_MIN, "-2562048 h"},
	{al_fmt_bytes, 0, "0 B"},
	{al_fmt_bytes, 1023, "1023 B"},
	{al_fmt_bytes, 1024, "1 KiB"},
	{al_fmt_bytes, 1256, "1.23 KiB"},
	{al_fmt_bytes, 4096, "4 KiB"},
	{al_fmt_bytes, 13631488, "13 MiB"},
	{al_fmt_bytes, 13000000, "12.4 MiB"},
	{al_fmt_bytes, 1047552, "1023 KiB"},
	{al_fmt_bytes, 1048064, "1 MiB"},
	{al_fmt_bytes, 25769803776, "24 GiB"},
	{al_fmt_bytes, INT64_MAX, "8 EiB"},
	{al_fmt_rate, 10000000, "10 Mbit/s"},
	{al_fmt_rate, 999, "999 bit/s"},
	{al_fmt_rate, 1544000, "1.54 Mbit/s"},
	{al_fmt_rate, 10000000000000, "10 Tbit/s"},
	{al_fmt_freq, 2600000000, "2.6 GHz"},
	{al_fmt_freq, 50, "50 Hz"},
	{al_fmt_count, 0, "0"},
	{al_fmt_count, 999, "999"},
	{al_fmt_count, 1000, "1,000"},
	{al_fmt_count, 10000000, "10,000,000"},
	{al_fmt_count, -1234567, "-1,234,567"},
	{al_fmt_count, INT64_MAX, "9,223,372,036,854,775,807"},
	{al_fmt_count, INT64_MIN, "-9,223,372,036,854,775,808"},
};

static void test_format_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
		char buf[AL_FMT_LEN];
		int len = fcases[i].fmt(buf, sizeof(buf), fcases[i].v);

		if (strcmp(buf, fcases[i].want) != 0 ||
		    len != (int)strlen(fcases[i].want)) {
			print_error("case %zu %lld: got '%s' want '%s'\n", i,
				    (long long)fcases[i].v, buf, fcases[i].want);
			fail();
		}
	}
}

static void test_format_truncates(void **state)
{
	char buf[4] = "zzz";

	(void)state;
	assert_int_equal(al_fmt_count(buf, sizeof(buf), 1000000), 9);
	assert_string_equal(buf, "1,0");
	assert_int_equal(al_fmt_duration(buf, sizeof(buf), 150000000), 6);
	assert_string_equal(buf, "150");
	assert_int_equal(al_fmt_bytes(NULL, 0, 4096), 5);
}

/* What is printed parses back to the same value (for exact values). */
static void test_roundtrip(void **state)
{
	static const int64_t ns[] = {1, 999, 3300, 150000000, 2500000000,
				     90000000000};
	(void)state;
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		char buf[AL_FMT_LEN];
		int64_t back = -1;

		al_fmt_duration(buf, sizeof(buf), ns[i]);
		assert_int_equal(al_parse_duration(buf, &back, NULL, 0), 0);
		assert_true(back == ns[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_double),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
