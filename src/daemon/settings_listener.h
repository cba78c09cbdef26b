/* settings_listener: the keys of one entry of unitlsd.yaml's `listeners` list, for settings.c,
 * which reads the rest of the file. Each entry starts from the defaults (handshake 10 s, idle
 * 300 s, connect 5 s, 10,000 connections, one session ticket) and takes the keys of its table
 * in any order; the checks that span keys (insecure.min_version against tls_versions.min,
 * ocsp_refresh's default OCSP paths, exactly one of backend and backends) run once the entry
 * is read. backend: is stored as a backends list of one; the defaults add balance first and
 * backend_retry 10 s. Errors go to the loader as
 * settings_yaml.h says, at the line and column of the key or entry at fault. */
#ifndef UNITLSD_SETTINGS_LISTENER_H
#define UNITLSD_SETTINGS_LISTENER_H

#include "daemon/settings.h"
#include "daemon/settings_yaml.h"

/* The value parser of the top-level `listeners` key, target the struct settings: fills
 * s->listeners, one per list item, and ld->clean, 1 for each entry that had no error (left
 * NULL when it could not be allocated). */
void settings_listeners_value(struct loader *ld, yaml_node_t *v, void *target);

/* An implementation's name, for the top level's `implementation` and a listener's: the name
 * of one built into libunitls, into *out (the string there freed and replaced). Any other
 * name is an error naming the implementations built, and leaves *out as it was. */
void settings_implementation_value(struct loader *ld, yaml_node_t *v, char **out);

/* Once the whole file is read (the top-level key may come after the listeners): sets each
 * listener's impl to its own implementation, else the top level's, else the library
 * default. */
void settings_implementations_resolve(struct settings *s);

#endif
