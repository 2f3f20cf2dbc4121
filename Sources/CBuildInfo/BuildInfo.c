#include "CBuildInfo.h"

// Package.swift defines MAESTRO_ADMIN_COMMIT for this file alone; a C
// define can carry a string, a Swift compilation condition cannot.
#ifndef MAESTRO_ADMIN_COMMIT
#define MAESTRO_ADMIN_COMMIT "unknown"
#endif

const char *maestro_admin_build_commit(void) { return MAESTRO_ADMIN_COMMIT; }
