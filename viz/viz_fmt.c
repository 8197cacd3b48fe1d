/* Label formatting (viz_fmt.h).  The felt-time rules are the ones
 * report/timeview.c prints (docs/timeview.md); viz/ may not include report/, so
 * the small conversion is written again here: the largest unit in which
 * the value is at least 1, or in which the rounding would otherwise print
 * a whole next unit ("59.97 s" reads "1 min", not "60 s"). */
#include "viz/viz_fmt.h"

#include "core/al_scenario.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int64_t viz_fmt_step(double min_ns)
{
	int64_t step = 1;

	if (!(min_ns > 1))
		return 1;
	while (step < INT64_MAX / 10) {
		if (step >= min_ns)
			return step;
		if (2 * step >= min_ns)
			return 2 * step;
		if (5 * step >= min_ns)
			return 5 * step;
		step *= 10;
	}
	return step;
}

static void trim_zeros(char *s)
{
	char *dot = strchr(s, '.');
	size_t n;

	if (!dot)
		return;
	n = strlen(s);
	while (n > 0 && s[n - 1] == '0')
		s[--n] = '\0';
	if (n > 0 && s[n - 1] == '.')
		s[--n] = '\0';
}

static const struct {
	const char *name;
	double size;
} time_units[] = {{"ns", 1}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}};

void viz_fmt_tick(char *buf, size_t len, int64_t t, int64_t step)
{
	double a = fabs((double)t);
	char num[48];
	int u = 0, dec;

	if (t == 0) {
		snprintf(buf, len, "0");
		return;
	}
	while (u < 3 && a >= time_units[u + 1].size)
		u++;
	/* decimals to tell two ticks apart in that unit */
	dec = (int)ceil(-log10((double)(step > 0 ? step : 1) / time_units[u].size) - 1e-9);
	dec = dec < 0 ? 0 : dec > 9 ? 9 : dec;
	snprintf(num, sizeof num, "%.*f", dec, (double)t / time_units[u].size);
	trim_zeros(num);
	snprintf(buf, len, "%s %s", num, time_units[u].name);
}

void viz_fmt_duration(char *buf, size_t len, double ns)
{
	double a = fabs(ns), v;
	int u = 0;
	char num[48];

	while (u < 3 && a >= time_units[u + 1].size * 0.9995)
		u++;
	v = ns / time_units[u].size;
	a = fabs(v);
	snprintf(num, sizeof num, "%.*f", a >= 99.95 ? 0 : a >= 9.995 ? 1 : 2, v);
	trim_zeros(num);
	snprintf(buf, len, "%s %s", num, time_units[u].name);
}

double viz_fmt_felt_seconds(double ns, double ghz)
{
	return ns * ghz;
}

#define YEAR (365.25 * 86400.0)

static const struct {
	const char *one, *many;
	double size;
} felt_units[] = {
	{"s", "s", 1}, {"min", "min", 60}, {"h", "h", 3600},
	{"day", "days", 86400}, {"month", "months", YEAR / 12},
	{"year", "years", YEAR}, {"millennium", "millennia", 1000 * YEAR},
	{"million years", "million years", 1e6 * YEAR},
};

#define NFELT (sizeof felt_units / sizeof felt_units[0])

/* v as it will be printed: one decimal below 100, none above */
static double printed(double v)
{
	return v >= 99.95 ? round(v) : v >= 0.995 ? round(v * 10) / 10 : v;
}

void viz_fmt_felt(char *buf, size_t len, double seconds)
{
	size_t u = 0;
	double v;
	char num[48];

	if (!(seconds > 0)) {
		snprintf(buf, len, "0 s");
		return;
	}
	while (u + 1 < NFELT && (seconds >= felt_units[u + 1].size ||
				 printed(seconds / felt_units[u].size) * felt_units[u].size >=
				 felt_units[u + 1].size))
		u++;
	v = seconds / felt_units[u].size;
	if (v >= 99.95)
		snprintf(num, sizeof num, "%.0f", v);
	else if (v >= 0.995)
		snprintf(num, sizeof num, "%.1f", v);
	else
		snprintf(num, sizeof num, "%.2g", v);
	trim_zeros(num);
	snprintf(buf, len, "%s %s", num, strcmp(num, "1") == 0 ? felt_units[u].one :
		 felt_units[u].many);
}

void viz_fmt_bytes(char *buf, size_t len, double bytes)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;
	char num[48];

	while (u < 4 && fabs(bytes) >= 1023.95) {
		bytes /= 1024;
		u++;
	}
	snprintf(num, sizeof num, "%.*f", u == 0 || fabs(bytes) >= 99.95 ? 0 : 1, bytes);
	trim_zeros(num);
	snprintf(buf, len, "%s %s", num, unit[u]);
}

void viz_fmt_count(char *buf, size_t len, int64_t v)
{
	char digits[32], out[48];
	int n, k = 0, neg = v < 0;
	uint64_t a = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)a);
	if (neg)
		out[k++] = '-';
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	out[k] = '\0';
	snprintf(buf, len, "%s", out);
}

/* One change of an event, appended after a comma when something precedes. */
static void add(char *buf, size_t len, const char *what, const char *value)
{
	size_t n = strlen(buf);

	if (n + 1 < len)
		snprintf(buf + n, len - n, "%s%s%s%s", n ? ", " : "", what, *value ? " " : "", value);
}

void viz_fmt_event(char *buf, size_t len, const struct al_event_cfg *e)
{
	char v[48];

	if (len == 0)
		return;
	buf[0] = '\0';
	if (e->set & AL_EV_LINK_DOWN)
		add(buf, len, "link down", "");
	if (e->set & AL_EV_LINK_UP)
		add(buf, len, "link up", "");
	if (e->set & AL_EV_THINK) {
		viz_fmt_duration(v, sizeof v, e->server.think.a);
		add(buf, len, "think", v);
	}
	if (e->set & AL_EV_PAGE_SIZE) {
		viz_fmt_bytes(v, sizeof v, e->server.page_size.a);
		add(buf, len, "page size", v);
	}
	if (e->set & AL_EV_MAX_CONCURRENT) {
		snprintf(v, sizeof v, "%d", e->server.max_concurrent);
		add(buf, len, "server max", v);
	}
	if (e->set & AL_EV_RTT) {
		viz_fmt_duration(v, sizeof v, (double)e->network.rtt_ns);
		add(buf, len, "rtt", v);
	}
	if (e->set & AL_EV_JITTER) {
		viz_fmt_duration(v, sizeof v, e->network.jitter.a);
		add(buf, len, "jitter", v);
	}
	if (e->set & AL_EV_BANDWIDTH) {
		snprintf(v, sizeof v, "%.3g Mbit/s", (double)e->network.bandwidth_bps / 1e6);
		add(buf, len, "bandwidth", v);
	}
	if (e->set & AL_EV_LOSS) {
		snprintf(v, sizeof v, "%.3g %%", e->network.loss * 100);
		add(buf, len, "loss", v);
	}
}
