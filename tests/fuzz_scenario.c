/* libFuzzer entry for the scenario loader (`make fuzz`): any bytes go in;
 * the loader must answer 0 or -1 with a one-line message, never crash,
 * never leak, never take long.  A loaded scenario is also summarised, so
 * the printing of every value the loader accepts is exercised too.  An
 * input may name a machine profile file (machine.profile), which is then
 * read: run it where the files it could name are harmless to read. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "fuzz.yaml:L:C: ", or the same for a machine profile file the input
 * names (machine.profile), which may be any file on this machine. */
static int located(const char *err)
{
	int line = 0, col = 0, end = 0;

	if (strncmp(err, "fuzz.yaml:", 10) == 0)
		return 1;
	for (const char *p = err; (p = strchr(p, ':')) != NULL; p++)
		if (sscanf(p, ":%d:%d: %n", &line, &col, &end) == 2 && end > 0)
			return line >= 1 && col >= 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct al_scenario sc;
	char err[512];
	int rc;

	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
		abort();
	rc = al_scenario_load_string("fuzz.yaml", (const char *)data, size, &sc,
				     err, sizeof(err));
	if (rc == 0) {
		al_scenario_summary(null, &sc);
	} else if (rc != -1 || !located(err) || strchr(err, '\n') != NULL) {
		abort();        /* every error is one "file:line:col: " line */
	}
	return 0;
}
