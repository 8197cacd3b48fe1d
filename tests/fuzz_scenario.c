/* libFuzzer entry for the scenario loader (`make fuzz`): any bytes go in;
 * the loader must answer 0 or -1 with a one-line message, never crash,
 * never leak, never take long.  A loaded scenario is also summarised, so
 * the printing of every value the loader accepts is exercised too. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	} else if (rc != -1 || strncmp(err, "fuzz.yaml:", 10) != 0 ||
		   strchr(err, '\n') != NULL) {
		abort();        /* every error is one "file:line:col: " line */
	}
	return 0;
}
