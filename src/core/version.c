/* The library's version string. */
#include <unitls/unitls.h>

#include "config.h"

const char *unitls_version(void) { return PACKAGE_VERSION; }
