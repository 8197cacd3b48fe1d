/* The runs the timelines show: see viz_run.h. */
#include "viz/viz_run.h"

void viz_run_free(struct viz_run *run)
{
	for (int i = 0; i < run->nmodels; i++)
		al_trace_free(&run->models[i].trace);
	run->nmodels = 0;
}

int64_t viz_model_end(const struct viz_model *m)
{
	int64_t end = m->report.elapsed_ns;

	/* the latest event, not the last recorded: a few are recorded ahead */
	for (size_t i = 0; i < m->trace.n; i++)
		if (m->trace.ev[i].t > end)
			end = m->trace.ev[i].t;
	return end;
}
