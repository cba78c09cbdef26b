/* Dropping root after start-up; see privileges.h. Runs on the main thread before any worker
 * exists; glibc applies set*id calls to every thread of the process anyway. */
#include "config.h"

#include "daemon/privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REFUSE_ROOT_MESSAGE \
    "refusing to run as root; set user: to the account to run as, or run_as_root: true"

int privileges_find_user(const char *user, struct passwd *pw, char **storage)
{
    long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
    size_t size = hint > 0 ? (size_t)hint : 16384;
    char *buf = NULL;
    struct passwd *found = NULL;
    int e = ERANGE;
    while (e == ERANGE && size <= 1024 * 1024) {
        char *bigger = realloc(buf, size);
        if (bigger == NULL) {
            free(buf);
            return ENOMEM;
        }
        buf = bigger;
        e = getpwnam_r(user, pw, buf, size, &found);
        size *= 2;
    }
    if (found == NULL) {
        free(buf);
        return e == 0 ? ENOENT : e;
    }
    *storage = buf;
    return 0;
}

static int lookup_user(const char *user, struct passwd *pw, char **storage,
                       char *errbuf, size_t errlen)
{
    int e = privileges_find_user(user, pw, storage);
    if (e == ENOENT)
        snprintf(errbuf, errlen, "user %s: no such user", user);
    else if (e == ENOMEM)
        snprintf(errbuf, errlen, "user %s: out of memory", user);
    else if (e != 0)
        snprintf(errbuf, errlen, "user %s: cannot look it up: %s", user, strerror(e));
    return e == 0 ? 0 : -1;
}

/* Groups first (they need root), then the gid, then the uid, all three of real, effective and
 * saved ids so nothing can switch back. */
static int switch_ids(const struct passwd *pw, char *errbuf, size_t errlen)
{
    if (initgroups(pw->pw_name, pw->pw_gid) != 0) {
        snprintf(errbuf, errlen, "user %s: setting its groups: %s", pw->pw_name, strerror(errno));
        return -1;
    }
    if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0) {
        snprintf(errbuf, errlen, "user %s: setting gid %u: %s", pw->pw_name,
                 (unsigned)pw->pw_gid, strerror(errno));
        return -1;
    }
    if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
        snprintf(errbuf, errlen, "user %s: setting uid %u: %s", pw->pw_name,
                 (unsigned)pw->pw_uid, strerror(errno));
        return -1;
    }
    return 0;
}

/* Trust but verify: every id is the target and root cannot be regained. */
static int check_dropped(const struct passwd *pw, char *errbuf, size_t errlen)
{
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0 ||
        ruid != pw->pw_uid || euid != pw->pw_uid || suid != pw->pw_uid ||
        rgid != pw->pw_gid || egid != pw->pw_gid || sgid != pw->pw_gid) {
        snprintf(errbuf, errlen, "user %s: ids did not change as asked", pw->pw_name);
        return -1;
    }
    if (setuid(0) == 0 || seteuid(0) == 0) {
        snprintf(errbuf, errlen, "user %s: root could be regained after dropping it",
                 pw->pw_name);
        return -1;
    }
    return 0;
}

static int drop_to(const char *user, int allow_root, char *errbuf, size_t errlen)
{
    struct passwd pw;
    char *storage = NULL;
    int result = -1;
    if (lookup_user(user, &pw, &storage, errbuf, errlen) != 0)
        return -1;
    if (pw.pw_uid == 0) {
        /* user: root drops nothing; it needs the same explicit consent as no user at all. */
        if (allow_root)
            result = 0;
        else
            snprintf(errbuf, errlen, "user %s is root: %s", user, REFUSE_ROOT_MESSAGE);
    } else if (switch_ids(&pw, errbuf, errlen) == 0 && check_dropped(&pw, errbuf, errlen) == 0) {
        result = 0;
    }
    free(storage);
    return result;
}

/* Not root: the daemon can only stay who it is, which is fine when that is the user asked for. */
static int check_already(const char *user, char *errbuf, size_t errlen)
{
    struct passwd pw;
    char *storage = NULL;
    if (lookup_user(user, &pw, &storage, errbuf, errlen) != 0)
        return -1;
    uid_t euid = geteuid();
    int result = 0;
    if (pw.pw_uid != euid) {
        snprintf(errbuf, errlen, "user %s: cannot switch to it when not started as root "
                 "(running as uid %u)", user, (unsigned)euid);
        result = -1;
    }
    free(storage);
    return result;
}

int privileges_drop(const char *user, int allow_root, char *errbuf, size_t errlen)
{
    if (geteuid() != 0)
        return user == NULL ? 0 : check_already(user, errbuf, errlen);
    if (user != NULL)
        return drop_to(user, allow_root, errbuf, errlen);
    if (allow_root)
        return 0;
    snprintf(errbuf, errlen, "%s", REFUSE_ROOT_MESSAGE);
    return -1;
}
