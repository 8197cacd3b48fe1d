/* The CPU's time view.  The latencies are the usual orders of magnitude
 * (Brendan Gregg, "Systems Performance", 2nd ed., table 2.2; Jeff Dean's
 * "Latency numbers every programmer should know"), except the system call
 * and the context switch, which come from asynclab's own `c` cost table so
 * that this view and the simulator agree.  The felt time is exact
 * arithmetic (ns * GHz seconds); only the printing rounds. */
#include "report/timeview.h"

#include <math.h>
#include <string.h>

#include "report/table.h"
#include "core/al_scenario.h"

#define MINUTE 60.0
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define YEAR (365.25 * DAY)
#define MONTH (YEAR / 12)

struct unit {
	const char *one, *many;
	double size;                 /* in the caller's base unit */
};

double al_timeview_scale(double ns, double ghz)
{
	return ns * ghz;
}

/* Rounds v as fmt_number() will print it: one decimal below 100, whole
 * numbers above (below 1 the exact value is close enough to decide). */
static double shown(double v)
{
	if (v >= 99.95)
		return round(v);
	if (v >= 0.995)
		return round(v * 10) / 10;
	return v;
}

static void fmt_number(char *buf, size_t len, double v)
{
	size_t n;

	if (v >= 99.95)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 0.995)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2g", v);
	n = strlen(buf);
	if (n > 2 && strcmp(buf + n - 2, ".0") == 0)
		buf[n - 2] = '\0';
}

/* Picks the largest unit in which v is at least 1, or in which the smaller
 * unit would print a whole next unit: 59.9 s stays "59.9 s", 59.97 s reads
 * "1 min" and not "60 s". */
static void fmt_units(char *buf, size_t len, double v,
		      const struct unit *u, size_t nu)
{
	char num[32];
	size_t i = 0;

	while (i + 1 < nu && (v >= u[i + 1].size ||
			      shown(v / u[i].size) * u[i].size >= u[i + 1].size))
		i++;
	fmt_number(num, sizeof num, v / u[i].size);
	snprintf(buf, len, "%s %s", num,
		 strcmp(num, "1") == 0 ? u[i].one : u[i].many);
}

void al_timeview_fmt_real(char *buf, size_t len, double ns)
{
	static const struct unit u[] = {
		{"ns", "ns", 1}, {"µs", "µs", 1e3}, {"ms", "ms", 1e6},
		{"s", "s", 1e9}, {"min", "min", 60e9}, {"h", "h", 3600e9},
	};

	fmt_units(buf, len, ns, u, sizeof u / sizeof u[0]);
}

void al_timeview_fmt_scaled(char *buf, size_t len, double seconds)
{
	static const struct unit u[] = {
		{"s", "s", 1}, {"min", "min", MINUTE}, {"h", "h", HOUR},
		{"day", "days", DAY}, {"month", "months", MONTH},
		{"year", "years", YEAR}, {"millennium", "millennia", 1000 * YEAR},
		{"million years", "million years", 1e6 * YEAR},
	};

	fmt_units(buf, len, seconds, u, sizeof u / sizeof u[0]);
}

struct latency {
	const char *what;
	double ns;                   /* < 0: filled in from the cost table */
};

void al_timeview_print(FILE *out, double ghz, bool bold)
{
	struct latency rows[] = {
		{"1 CPU cycle", 1 / ghz},
		{"L1 cache reference", 1},
		{"L2 cache reference", 4},
		{"L3 cache reference", 13},
		{"system call (c cost table)", -1},
		{"main memory reference", 100},
		{"thread context switch (c cost table)", -2},
		{"SSD random read", 100e3},
		{"round trip within a datacenter", 500e3},
		{"rotating disk seek", 5e6},
		{"internet: San Francisco to New York", 40e6},
		{"internet: San Francisco to UK", 81e6},
		{"internet: San Francisco to Australia", 183e6},
		{"blocking connect on a bad network", 1e9},
		{"TCP retransmission timeout (initial)", 1e9},
		{"physical machine reboot", 300e9},
	};
	struct al_costs costs;
	struct al_table t;
	char real[32], felt[32], ghzs[32];

	al_costs_profile(&costs, AL_PROFILE_C);
	snprintf(ghzs, sizeof ghzs, "%g", ghz);
	al_table_init(&t, 3, "lrr");
	al_table_cell(&t, "event");
	al_table_cell(&t, "real time");
	al_table_cell(&t, "if one cycle took 1 s");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		double ns = rows[i].ns;

		if (ns == -1)
			ns = (double)costs.syscall_ns;
		else if (ns == -2)
			ns = (double)costs.thread_switch_ns;
		al_timeview_fmt_real(real, sizeof real, ns);
		al_timeview_fmt_scaled(felt, sizeof felt,
				       al_timeview_scale(ns, ghz));
		al_table_cell(&t, "%s", rows[i].what);
		al_table_cell(&t, "%s", real);
		al_table_cell(&t, "%s", felt);
	}
	al_timeview_fmt_real(real, sizeof real, 1 / ghz);
	fprintf(out, "The CPU's time view at %s GHz: one cycle is %s; "
		"stretch it to one second.\n\n", ghzs, real);
	al_table_print(&t, out, 2, bold);
	fprintf(out, "\nSources: Brendan Gregg, Systems Performance (2nd ed.), "
		"table 2.2;\nJeff Dean, \"Latency numbers every programmer "
		"should know\";\nsystem call and context switch: asynclab's c "
		"cost table (docs/timeview.md).\n");
}
