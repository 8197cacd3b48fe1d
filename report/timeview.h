/* The CPU's time view (the seed article's section 2.1, "CPU的时间观"):
 * typical latencies, and how long each would feel to a CPU if one of its
 * cycles took one second.  docs/timeview.md gives the sources. */
#ifndef AL_TIMEVIEW_H
#define AL_TIMEVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The felt time, in seconds, of `ns` real nanoseconds on a CPU clocked at
 * `ghz` GHz when one cycle is stretched to one second: ns * ghz. */
double al_timeview_scale(double ns, double ghz);

/* Writes a real duration in the unit that reads best: "0.38 ns", "91 ns",
 * "100 µs", "5 ms", "1 s", "5 min".  Three significant digits at most,
 * no trailing ".0".  Always NUL-terminates (len > 0). */
void al_timeview_fmt_real(char *buf, size_t len, double ns);

/* Writes a felt duration in seconds with human units: "2.6 s", "4.3 min",
 * "1.7 days", "3.3 years", "24.7 millennia" (months of 30.44 days, years of
 * 365.25 days). */
void al_timeview_fmt_scaled(char *buf, size_t len, double seconds);

/* Prints the table for a CPU at ghz (0 < ghz <= 100).  bold: header in bold
 * (the caller decides whether out is a colour terminal). */
void al_timeview_print(FILE *out, double ghz, bool bold);

#endif
