/* Failure causes: errno values mapped to the names reports print. */
#include <errno.h>

#include "core/al_report.h"

enum al_cause al_cause_from_errno(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return AL_CAUSE_REFUSED;
	case ECONNRESET:
	case EPIPE:
	case ECONNABORTED:
		return AL_CAUSE_RESET;
	case ETIMEDOUT:
		return AL_CAUSE_TIMEOUT;
	case EMFILE:
	case ENFILE:
		return AL_CAUSE_EMFILE;
	case ENOMEM:
		return AL_CAUSE_NOMEM;
	case EAGAIN:
		return AL_CAUSE_SPAWN;
	case EINVAL:
		return AL_CAUSE_FDSETSIZE;
	case EBADMSG:
		return AL_CAUSE_CORRUPT;
	case ECANCELED:
		return AL_CAUSE_CANCELLED;
	case EOWNERDEAD:
		return AL_CAUSE_DIED;
	case ENETUNREACH:
	case EHOSTUNREACH:
		return AL_CAUSE_UNREACHABLE;
	case EPROTO:
		return AL_CAUSE_STATUS;
	default:
		return AL_CAUSE_OTHER;
	}
}

const char *al_cause_name(enum al_cause c)
{
	static const char *const names[AL_CAUSE_COUNT] = {
		"refused", "reset", "timeout", "emfile", "nomem",
		"spawn", "fdsetsize", "corrupt", "cancelled", "unreachable", "status", "died",
		"other",
	};
	return (unsigned)c < AL_CAUSE_COUNT ? names[c] : "?";
}
