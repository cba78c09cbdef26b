/* The activation set owns systemd's sockets; listeners borrow them (activation.h,
 * listener.h). A set is made here by hand from listening sockets of our own, as
 * activation_take() would from LISTEN_FDS: a claim lends the fd of the matching address once;
 * the last unref of an activated listen_socket leaves the fd open and listening; giving it
 * back makes the address claimable again, with the same fd; a socket bound by the listener
 * module itself is closed by its last unref; activation_release closes the set's fds. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/activation.h"
#include "daemon/listener.h"

#define N_PASSED 2

/* A listening socket on 127.0.0.1 with a port the kernel picks. */
static int listening_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(fd, (const struct sockaddr *)&sin, sizeof sin), 0);
    ck_assert_int_eq(listen(fd, 16), 0);
    return fd;
}

/* A set of N_PASSED listening sockets, described as activation_take() describes them. */
static void set_make(struct activation_set *set)
{
    set->fds = calloc(N_PASSED, sizeof *set->fds);
    ck_assert_ptr_nonnull(set->fds);
    set->n = N_PASSED;
    for (size_t i = 0; i < N_PASSED; i++) {
        struct activation_fd *a = &set->fds[i];
        a->fd = listening_socket();
        a->addr_len = sizeof a->addr;
        ck_assert_int_eq(getsockname(a->fd, (struct sockaddr *)&a->addr, &a->addr_len), 0);
        snprintf(a->name, sizeof a->name, "passed%zu", i);
    }
}

/* The endpoint a configuration would give for passed socket i. */
static struct endpoint endpoint_of(const struct activation_set *set, size_t i)
{
    struct endpoint ep;
    memset(&ep, 0, sizeof ep);
    memcpy(&ep.addr, &set->fds[i].addr, set->fds[i].addr_len);
    ep.addr_len = set->fds[i].addr_len;
    snprintf(ep.text, sizeof ep.text, "passed socket %zu", i);
    return ep;
}

static int fd_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

static int fd_listening(int fd)
{
    int on = 0;
    socklen_t len = sizeof on;
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
}

/* A claim lends the fd once; a second claim of the address finds nothing until it is
 * returned; returning an fd the set does not own is refused. */
START_TEST(test_claim_lends_once)
{
    struct activation_set set;
    set_make(&set);
    struct endpoint ep = endpoint_of(&set, 1);
    const struct sockaddr *addr = (const struct sockaddr *)&ep.addr;
    int fd = activation_claim(&set, addr, ep.addr_len);
    ck_assert_int_eq(fd, set.fds[1].fd);
    ck_assert_int_eq(set.fds[1].lent, 1);
    ck_assert_int_eq(set.fds[0].lent, 0);
    ck_assert_int_eq(activation_claim(&set, addr, ep.addr_len), -1);
    ck_assert_int_eq(activation_return(&set, fd), 1);
    ck_assert_int_eq(set.fds[1].lent, 0);
    ck_assert_int_eq(activation_claim(&set, addr, ep.addr_len), fd);
    ck_assert_int_eq(activation_return(&set, 0), 0); /* stdin: not the set's */
    ck_assert_int_eq(activation_return(NULL, fd), 0);
    activation_release(&set);
    ck_assert_int_eq(fd_open(fd), 0);
}
END_TEST

/* A listener on a passed address borrows the set's fd: dropping it leaves the socket open
 * and listening, and once given back the next listener on the address gets the same fd. */
START_TEST(test_listener_borrows)
{
    struct activation_set set;
    set_make(&set);
    struct endpoint ep = endpoint_of(&set, 0);
    char err[256] = "";
    struct listen_socket *ls = listener_open(&ep, &set, err, sizeof err);
    ck_assert_msg(ls != NULL, "%s", err);
    int fd = ls->fd;
    ck_assert_int_eq(fd, set.fds[0].fd);
    ck_assert_int_eq(ls->activated, 1);
    listener_ref(ls);
    listener_unref(ls);
    listener_give_back(ls, &set);  /* the configuration dropped the address */
    listener_unref(ls);            /* the last worker let go */
    ck_assert_int_eq(fd_open(fd), 1);
    ck_assert_int_eq(fd_listening(fd), 1);
    ck_assert_int_eq(set.fds[0].lent, 0);

    struct listen_socket *again = listener_open(&ep, &set, err, sizeof err);
    ck_assert_msg(again != NULL, "%s", err);
    ck_assert_int_eq(again->fd, fd);
    ck_assert_int_eq(again->activated, 1);
    listener_unref(again);
    ck_assert_int_eq(fd_open(fd), 1);
    activation_release(&set);
    ck_assert_int_eq(fd_open(fd), 0);
}
END_TEST

/* While a passed fd is lent, a second listener on its address cannot have it: it binds its
 * own socket, which fails as the address is in use, with the reason. */
START_TEST(test_lent_address_is_not_shared)
{
    struct activation_set set;
    set_make(&set);
    struct endpoint ep = endpoint_of(&set, 0);
    char err[256] = "";
    struct listen_socket *ls = listener_open(&ep, &set, err, sizeof err);
    ck_assert_msg(ls != NULL, "%s", err);
    ck_assert_ptr_null(listener_open(&ep, &set, err, sizeof err));
    ck_assert_msg(strstr(err, strerror(EADDRINUSE)) != NULL, "%s", err);
    listener_unref(ls);
    activation_release(&set);
}
END_TEST

/* A socket the listener module bound itself is its own: the last unref closes it, and giving
 * it back to a set does nothing. */
START_TEST(test_bound_socket_closed_by_last_unref)
{
    struct activation_set set;
    set_make(&set);
    struct endpoint ep;
    memset(&ep, 0, sizeof ep);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ep.addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ep.addr_len = sizeof *sin;
    snprintf(ep.text, sizeof ep.text, "127.0.0.1:0");
    char err[256] = "";
    struct listen_socket *ls = listener_open(&ep, &set, err, sizeof err);
    ck_assert_msg(ls != NULL, "%s", err);
    ck_assert_int_eq(ls->activated, 0);
    int fd = ls->fd;
    ck_assert_int_eq(fd_listening(fd), 1);
    listener_give_back(ls, &set);
    ck_assert_int_eq(set.fds[0].lent + set.fds[1].lent, 0);
    listener_unref(ls);
    ck_assert_int_eq(fd_open(fd), 0);
    activation_release(&set);
}
END_TEST

static Suite *activation_suite(void)
{
    Suite *s = suite_create("daemon_activation");
    TCase *tc = tcase_create("ownership");
    tcase_add_test(tc, test_claim_lends_once);
    tcase_add_test(tc, test_listener_borrows);
    tcase_add_test(tc, test_lent_address_is_not_shared);
    tcase_add_test(tc, test_bound_socket_closed_by_last_unref);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(activation_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
