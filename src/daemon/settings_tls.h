/* settings_tls: each listener's unitls_server_config, built from its parsed settings: the public
 * settings_build_tls() and settings_explain_tls() of settings.h, and the build that
 * settings_check_file() runs on the listeners that parsed cleanly.
 *
 * When a build or a validation fails, the error of the whole build names no entry of the file:
 * each certificate entry, then the trust store, is built alone so that every failing entry is
 * reported at its own line and column. */
#ifndef UNITLSD_SETTINGS_TLS_H
#define UNITLSD_SETTINGS_TLS_H

#include "daemon/settings.h"

/* settings_build_tls() on the listeners whose clean[i] is nonzero only (every listener when
 * clean is NULL): builds each one's tls, unless built already, validated when validate says so
 * by impl (NULL: each listener's own). 0 on success; -1 with every failure appended to
 * errs at the line and column of the entry that fails. */
int settings_build_listeners(struct settings *s, const unitls_implementation *impl,
                             enum settings_validation validate, const unsigned char *clean,
                             struct settings_errors *errs);

#endif
