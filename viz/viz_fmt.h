/* Numbers as the timelines print them: durations and axis ticks in
 * ns ... s, the CPU time view's felt durations ("82.4 years"), bytes and
 * counts.  Pure functions of their arguments, so the tests can check every
 * label the picture shows. */
#ifndef VIZ_FMT_H
#define VIZ_FMT_H

#include <stddef.h>
#include <stdint.h>

/* The smallest 1-2-5 step (1, 2, 5, 10, 20 ... ns) of at least min_ns. */
int64_t viz_fmt_step(double min_ns);
/* A tick at t on an axis whose ticks are step ns apart: the unit of t
 * (ns, µs, ms, s), as many decimals as the step needs, no trailing zeros:
 * "0", "150 ms", "1.2 s", "321.05 ms". */
void viz_fmt_tick(char *buf, size_t len, int64_t t, int64_t step);
/* A duration with three significant digits: "900 ns", "1.06 ms", "3.21 s". */
void viz_fmt_duration(char *buf, size_t len, double ns);
/* The CPU time view: ns of real time felt by a CPU at ghz GHz if one cycle
 * took one second, i.e. ns * ghz seconds. */
double viz_fmt_felt_seconds(double ns, double ghz);
/* A felt duration in the unit that reads best (s, min, h, days, months,
 * years, millennia, million years; a year is 365.25 days, a month a
 * twelfth of it): one decimal below 100, none above, no trailing ".0":
 * "2.6 s", "4.3 min", "82.4 years", "843 years". */
void viz_fmt_felt(char *buf, size_t len, double seconds);
/* "512 B", "1.3 KiB", "143 MiB". */
void viz_fmt_bytes(char *buf, size_t len, double bytes);
/* An integer with thousands separators: "3,567,380". */
void viz_fmt_count(char *buf, size_t len, int64_t v);

/* A timed scenario event (scenario `events`) in a few words, the changes
 * it makes in the order of the scenario's keys: "link down", "think 500 ms,
 * rtt 300 ms, loss 10 %". */
struct al_event_cfg;
void viz_fmt_event(char *buf, size_t len, const struct al_event_cfg *e);

#endif
