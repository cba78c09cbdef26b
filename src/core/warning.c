/* The warning handler: the library's one piece of process-wide state, because PEP 748's
 * SecurityWarning is process-wide too. A mutex guards the (function, argument) pair so a
 * handler never runs with another handler's argument; warnings are rare, never on a data
 * path, so the lock costs nothing that matters. */
#include <pthread.h>
#include <stdio.h>

#include <unitls/warning.h>

#include "warning_internal.h"

/* Recursive: the handler runs under the lock (so once unitls_set_warning_handler returns, the
 * old handler is never called again), and a handler may itself warn or set a handler. POSIX
 * has no static initializer for a recursive mutex, so the first use makes it. */
static pthread_mutex_t handler_lock;
static pthread_once_t handler_lock_once = PTHREAD_ONCE_INIT;
static unitls_warning_handler handler_fn;
static void *handler_arg;

static void handler_lock_init(void)
{
    pthread_mutexattr_t attr;
    /* These fail only for lack of resources, with no caller to tell and a warning still to
     * deliver: the mutex then stays as zero-initialised (a default, non-recursive one on
     * glibc and musl), so only a handler that warns again would block. */
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&handler_lock, &attr);
    pthread_mutexattr_destroy(&attr);
}

static void handler_lock_take(void)
{
    pthread_once(&handler_lock_once, handler_lock_init);
    pthread_mutex_lock(&handler_lock);
}

static void warning_to_stderr(enum unitls_warning_category category, const char *message,
                              void *arg)
{
    (void)arg;
    fprintf(stderr, "unitls: %s: %s\n",
            category == UNITLS_WARNING_SECURITY ? "SecurityWarning" : "Warning", message);
}

void unitls_set_warning_handler(unitls_warning_handler fn, void *arg)
{
    handler_lock_take();
    handler_fn = fn;
    handler_arg = arg;
    pthread_mutex_unlock(&handler_lock);
}

void unitls_warn(enum unitls_warning_category category, const char *message)
{
    handler_lock_take();
    unitls_warning_handler fn = handler_fn ? handler_fn : warning_to_stderr;
    void *arg = handler_arg;
    fn(category, message ? message : "", arg);
    pthread_mutex_unlock(&handler_lock);
}

void warn_insecure(const char *what, const char *why)
{
    char message[256];
    snprintf(message, sizeof message, "%s: %s", what, why);
    unitls_warn(UNITLS_WARNING_SECURITY, message);
}
