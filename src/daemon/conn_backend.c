/* conn_backend: a connection's backend connect, on the backends of its listener's pool
 * (backend_pool.h decides the order and keeps their health): the socket, the PROXY header
 * that backend asks for at the front of what is queued for it, and the next backend when a
 * connect fails before any byte went through. conn_internal.h states what conn.c calls. */
#include "daemon/conn_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/backend_pool.h"
#include "daemon/proxy_header.h"

/* The PROXY header cfg asks for goes out before any client byte (proxy_header.h): at the front
 * of the queue, in place of the header made for a backend tried before. 0, or -1 when it does
 * not fit with what the client sent meanwhile. */
/* cfg's tlvs: what the handshake settled, for its v2 header. The client certificate's
 * commonName is read only when the SSL TLV is asked for and there is a certificate. */
static size_t backend_tlvs_add(struct conn *c, unsigned tlvs, unsigned char *header, size_t len)
{
    struct proxy_tls tls = {
        .authority = unitls_buffer_server_name(c->tls),
        .version = unitls_tls_version_name((enum unitls_tls_version)c->tls_version),
        .cipher = unitls_cipher_suite_name(c->cipher),
    };
    if (unitls_buffer_negotiated_protocol(c->tls, &tls.alpn, &tls.alpn_len) != UNITLS_OK)
        tls.alpn = NULL;
    const uint8_t *der;
    size_t der_len;
    struct unitls_certificate_info peer;
    if ((tlvs & PROXY_TLV_SSL) && unitls_buffer_getpeercert(c->tls, &der, &der_len) == UNITLS_OK) {
        tls.client_cert = PROXY_CLIENT_CERT_SESSION |
                          (unitls_buffer_session_resumed(c->tls) ? 0 : PROXY_CLIENT_CERT_CONN);
        const unitls_implementation *impl =
            unitls_server_context_implementation(c->listener->ctx);
        if (unitls_certificate_info_from_der(impl, der, der_len, &peer, NULL) == UNITLS_OK &&
            peer.common_name[0])
            tls.client_cn = peer.common_name;
    }
    return proxy_header_add_tlvs(header, len, tlvs, &tls);
}

static int backend_header_put(struct conn *c, const struct backend_config *cfg)
{
    unsigned char header[PROXY_HEADER_MAX + PROXY_TLV_ROOM];
    size_t len = 0;
    if (cfg->proxy_protocol != PROXY_PROTOCOL_NONE) {
        struct sockaddr_storage local;
        socklen_t local_len = sizeof local;
        int known = c->reached_len > 0 ||
                    getsockname(c->client_fd, (struct sockaddr *)&local, &local_len) == 0;
        const struct sockaddr *reached = c->reached_len > 0 ? &c->reached.sa
                                                             : (const struct sockaddr *)&local;
        len = proxy_header_build(cfg->proxy_protocol, &c->peer.sa, known ? reached : NULL, header);
        if (cfg->proxy_protocol == PROXY_PROTOCOL_V2 && cfg->proxy_tlvs)
            len = backend_tlvs_add(c, cfg->proxy_tlvs, header, len);
    }
    if (pending_replace_front(&c->to_backend, c->header_len, header, len) != 0)
        return -1;
    c->header_len = (uint16_t)len;
    return 0;
}

/* Gives up the socket of a backend whose connect failed. */
static void backend_close(struct conn *c)
{
    event_del(&c->backend_rd);
    event_del(&c->backend_wr);
    c->armed &= (uint8_t)~(A_BACKEND_RD | A_BACKEND_WR);
    close(c->backend_fd);
    c->backend_fd = -1;
    c->flags &= (uint16_t)~(F_BACKEND_FRESH | F_BACKEND_SHUT);
}

/* Starts connecting to backend i of c's listener. 0 when connected already, EINPROGRESS, or
 * the connect's errno (unix: EAGAIN is a full backlog); another errno with c failed when the
 * fault is ours (no socket, no memory for the header). */
static int backend_open(struct conn *c, size_t i)
{
    struct backend_pool *pool = &c->listener->backends;
    const struct backend_config *cfg = &pool->backends[i].config;
    if (backend_header_put(c, cfg) != 0) {
        conn_fail(c, END_NOMEM, ENOMEM);
        return ENOMEM;
    }
    int fd = socket(cfg->address.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int err = errno;
        conn_backend_failure(c, END_BACKEND_REFUSED, err, 0);
        conn_fail(c, END_BACKEND_REFUSED, err);
        return err;
    }
    c->backend_fd = fd;
    event_assign(&c->backend_rd, c->env->base, fd, EV_READ | EV_PERSIST, conn_on_backend_read, c);
    event_assign(&c->backend_wr, c->env->base, fd, EV_WRITE | EV_PERSIST, conn_on_backend_write, c);
    if (cfg->address.addr.ss_family != AF_UNIX) {
        int on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    }
    c->phase = PHASE_CONNECT;
    conn_timer_set(c, c->listener->connect_timeout_ms);
    backend_pool_connecting(pool, i);
    if (connect(fd, (const struct sockaddr *)&cfg->address.addr, cfg->address.addr_len) == 0)
        return 0;
    return errno == EINTR ? EINPROGRESS : errno;
}

enum conn_dial conn_backend_dial(struct conn *c, enum conn_end end, int err)
{
    int i;
    while ((i = backend_pool_next(&c->listener->backends, &c->plan,
                                  conn_env_clock_ms(c->env))) >= 0) {
        err = backend_open(c, (size_t)i);
        if (err == 0 || err == EINPROGRESS)
            return err == 0 ? CONN_DIAL_CONNECTED : CONN_DIAL_PENDING;
        if (c->flags & F_DEAD)
            return CONN_DIAL_FAILED;
        end = END_BACKEND_REFUSED;
        conn_backend_failure(c, end, err, 1);
        backend_close(c);
    }
    conn_fail(c, end, err);
    return CONN_DIAL_FAILED;
}

int conn_backend_retry(struct conn *c, enum conn_end end, int err)
{
    conn_backend_failure(c, end, err, 1);
    backend_close(c);
    return conn_backend_dial(c, end, err) != CONN_DIAL_FAILED;
}

