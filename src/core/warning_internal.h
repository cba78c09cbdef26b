/* Raising SecurityWarnings from inside the library. */
#ifndef UNITLS_CORE_WARNING_INTERNAL_H
#define UNITLS_CORE_WARNING_INTERNAL_H

/* Raises a SecurityWarning "<what>: <why>" through the installed handler. */
void warn_insecure(const char *what, const char *why);

#endif
