// Facts fixed when maestro-admin is built, for `--version`.
#ifndef MAESTRO_ADMIN_CBUILDINFO_H
#define MAESTRO_ADMIN_CBUILDINFO_H

/// The git commit the package was built from, as Package.swift found it
/// (with "-dirty" when the work tree had uncommitted changes), or
/// "unknown" when it was built outside a git checkout.
const char *maestro_admin_build_commit(void);

#endif
