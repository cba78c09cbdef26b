/* fuzz_hello: the first-flight inspector (src/core/hello_inspect.[ch]) on arbitrary bytes, as
 * a server's first incoming bytes (hello_client_inspect, hello_first_flight_span) and as a
 * client's (hello_server_inspect), then the readers and namers the explanations of failed
 * handshakes use on what was found. Seeds: real first flights recorded from openssl s_client,
 * gnutls-cli, openssl s_server and gnutls-serv (fuzz/capture-flights.py), TLS 1.2 and 1.3, with
 * SNI and ALPN, and plaintext. Checked on every input: the header's contract, that a span is
 * bounded and that every field found points inside the bytes given. */
#include <stdio.h>
#include <string.h>

#include "core/hello_inspect.h"
#include "fuzz/fuzz_target.h"

#define FUZZ_VERSIONS_CAP 8

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* Fails unless [field, field + len) lies inside [p, p + size) (or field is NULL and len 0). */
static void check_inside(const char *what, const uint8_t *field, size_t len, const uint8_t *p,
                         size_t size)
{
    if (!field) {
        if (len != 0)
            fuzz_fail("hello_client_inspect: %s is NULL with length %zu", what, len);
        return;
    }
    if (field < p || len > size || (size_t)(field - p) > size - len)
        fuzz_fail("hello_client_inspect: %s (%zu bytes at offset %td) is outside the %zu "
                  "bytes given", what, len, field - p, size);
}

/* Names each 2-byte value of a list, as the explanations quote them. */
static size_t name_list(const uint8_t *list, size_t len, const char *(*name)(uint16_t, char[7]))
{
    size_t total = 0;
    for (size_t i = 0; list && i + 1 < len; i += 2) {
        char buf[7];
        uint16_t id = (uint16_t)((list[i] << 8) | list[i + 1]);
        const char *text = name(id, buf);
        if (!text || !text[0])
            fuzz_fail("naming 0x%04X gave nothing", (unsigned)id);
        total += strlen(text);
    }
    return total;
}

static void client_hello_read(const struct hello_client *h, const uint8_t *p, size_t size)
{
    check_inside("versions", h->versions, h->versions_len, p, size);
    check_inside("suites", h->suites, h->suites_len, p, size);
    check_inside("groups", h->groups, h->groups_len, p, size);
    check_inside("sigalgs", h->sigalgs, h->sigalgs_len, p, size);
    check_inside("server_name", h->server_name, h->server_name_len, p, size);
    check_inside("alpn", h->alpn, h->alpn_len, p, size);
    uint16_t versions[FUZZ_VERSIONS_CAP];
    size_t n = hello_client_versions(h, versions, FUZZ_VERSIONS_CAP);
    if (n > FUZZ_VERSIONS_CAP)
        fuzz_fail("hello_client_versions: %zu values for a capacity of %d", n,
                  FUZZ_VERSIONS_CAP);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && versions[i - 1] > versions[i])
            fuzz_fail("hello_client_versions: not lowest first at %zu", i);
        (void)hello_version_name(versions[i]);
        (void)hello_version_words(versions[i]);
        (void)hello_is_signal(versions[i]);
    }
    name_list(h->suites, h->suites_len, hello_suite_name);
    name_list(h->groups, h->groups_len, hello_group_name);
}

static void server_hello_read(const struct hello_server *h)
{
    (void)hello_alert_name(h->alert_description);
    (void)hello_version_name(h->legacy_version);
    (void)hello_version_words(h->selected_version);
    char buf[7];
    const char *suite = hello_suite_name(h->suite, buf);
    if (!suite || !suite[0])
        fuzz_fail("hello_suite_name: nothing for 0x%04X", (unsigned)h->suite);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t span = hello_first_flight_span(data, size);
    if (span > HELLO_RECORD_HEADER + HELLO_MAX_RECORD || span < HELLO_RECORD_HEADER)
        fuzz_fail("hello_first_flight_span: %zu", span);
    struct hello_client client;
    memset(&client, 0, sizeof client);
    /* Inspected as a server does: the bytes that arrived, at most the span. */
    size_t seen = size < span ? size : span;
    if (hello_client_inspect(data, seen, &client) == HELLO_OK)
        client_hello_read(&client, data, seen);
    if (size > 4 && hello_client_parse_body(data + 4, size - 4, &client) == HELLO_OK)
        client_hello_read(&client, data + 4, size - 4);
    (void)hello_status_request_ocsp(data, size); /* an extension body, as the servers read it */
    struct hello_server server;
    memset(&server, 0, sizeof server);
    enum hello_result r = hello_server_inspect(data, size, &server);
    if (r == HELLO_OK || r == HELLO_ALERT)
        server_hello_read(&server);
    return 0;
}
