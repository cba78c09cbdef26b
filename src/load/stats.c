/* stats: counting and merging; see stats.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <unitls/versions.h>

#include "stats.h"

void stats_init(struct load_stats *s)
{
    memset(s, 0, sizeof *s);
    histogram_init(&s->latency);
}

static void example_keep(struct load_stats *s, enum fail_reason reason, const char *message)
{
    if (s->example[reason][0] == '\0' && message && *message)
        snprintf(s->example[reason], STATS_MESSAGE_LEN, "%s", message);
}

void stats_fail(struct load_stats *s, enum fail_reason reason, const char *message)
{
    s->failed++;
    s->by_reason[reason]++;
    example_keep(s, reason, message);
}

static void cipher_count(struct load_stats *s, uint16_t id, uint64_t n)
{
    for (size_t i = 0; i < s->n_ciphers; i++) {
        if (s->cipher_id[i] == id) {
            s->cipher_n[i] += n;
            return;
        }
    }
    if (s->n_ciphers == STATS_MAX_CIPHERS) {
        s->cipher_other += n;
        return;
    }
    s->cipher_id[s->n_ciphers] = id;
    s->cipher_n[s->n_ciphers++] = n;
}

static void alpn_count(struct load_stats *s, const uint8_t *name, size_t len, uint64_t n)
{
    for (size_t i = 0; i < s->n_alpn; i++) {
        if (s->alpn[i].len == len && memcmp(s->alpn[i].name, name, len) == 0) {
            s->alpn[i].n += n;
            return;
        }
    }
    if (s->n_alpn == STATS_MAX_ALPN || len > sizeof s->alpn[0].name) {
        s->alpn_other += n;
        return;
    }
    struct stats_alpn *a = &s->alpn[s->n_alpn++];
    a->len = (uint8_t)len;
    memcpy(a->name, name, len);
    a->n = n;
}

void stats_handshake(struct load_stats *s, int tls_version, uint16_t cipher,
                     const uint8_t *alpn, size_t alpn_len, int resumed)
{
    s->handshakes++;
    if (resumed)
        s->resumed++;
    if (tls_version == UNITLS_TLSv1_3)
        s->tls13++;
    else if (tls_version == UNITLS_TLSv1_2)
        s->tls12++;
    else
        s->tls_other++;
    cipher_count(s, cipher, 1);
    if (alpn && alpn_len)
        alpn_count(s, alpn, alpn_len, 1);
    else
        s->alpn_none++;
}

void stats_merge(struct load_stats *dst, const struct load_stats *src)
{
    dst->completed += src->completed;
    dst->failed += src->failed;
    for (int r = 0; r < FAIL_N; r++) {
        dst->by_reason[r] += src->by_reason[r];
        example_keep(dst, (enum fail_reason)r, src->example[r]);
    }
    dst->handshakes += src->handshakes;
    dst->resumed += src->resumed;
    dst->tls12 += src->tls12;
    dst->tls13 += src->tls13;
    dst->tls_other += src->tls_other;
    for (size_t i = 0; i < src->n_ciphers; i++)
        cipher_count(dst, src->cipher_id[i], src->cipher_n[i]);
    dst->cipher_other += src->cipher_other;
    for (size_t i = 0; i < src->n_alpn; i++)
        alpn_count(dst, src->alpn[i].name, src->alpn[i].len, src->alpn[i].n);
    dst->alpn_none += src->alpn_none;
    dst->alpn_other += src->alpn_other;
    dst->wire_sent += src->wire_sent;
    dst->wire_received += src->wire_received;
    dst->app_sent += src->app_sent;
    dst->app_received += src->app_received;
    dst->dropped += src->dropped;
    dst->unstarted += src->unstarted;
    dst->held_peak += src->held_peak; /* workers hold at the same time: peaks add up */
    histogram_merge(&dst->latency, &src->latency);
}

const char *stats_reason_name(enum fail_reason reason)
{
    static const char *const names[FAIL_N] = {
        "refused", "timeout", "reset",   "version", "cipher", "group", "sni",
        "alpn",    "certificate", "not_tls", "peer_closed", "closed", "other"};
    return (unsigned)reason < FAIL_N ? names[reason] : "other";
}

enum fail_reason stats_reason_of_handshake(enum unitls_handshake_failure f)
{
    switch (f) {
    case UNITLS_HANDSHAKE_FAILURE_VERSION: return FAIL_VERSION;
    case UNITLS_HANDSHAKE_FAILURE_CIPHER: return FAIL_CIPHER;
    case UNITLS_HANDSHAKE_FAILURE_GROUP: return FAIL_GROUP;
    case UNITLS_HANDSHAKE_FAILURE_SNI: return FAIL_SNI;
    case UNITLS_HANDSHAKE_FAILURE_ALPN: return FAIL_ALPN;
    case UNITLS_HANDSHAKE_FAILURE_CERTIFICATE: return FAIL_CERTIFICATE;
    case UNITLS_HANDSHAKE_FAILURE_NOT_TLS: return FAIL_NOT_TLS;
    case UNITLS_HANDSHAKE_FAILURE_PEER_CLOSED: return FAIL_PEER_CLOSED;
    default: return FAIL_OTHER;
    }
}

enum fail_reason stats_reason_of_status(unitls_status st)
{
    switch (st) {
    case UNITLS_ERR_CERTIFICATE:
        return FAIL_CERTIFICATE;
    case UNITLS_RAGGED_EOF:
        return FAIL_CLOSED;
    default:
        return FAIL_OTHER;
    }
}

enum fail_reason stats_reason_of_errno(int err)
{
    switch (err) {
    case ECONNREFUSED:
        return FAIL_REFUSED;
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE:
        return FAIL_RESET;
    case ETIMEDOUT:
        return FAIL_TIMEOUT;
    default:
        return FAIL_OTHER;
    }
}
