/* A TLS client on unitls_socket: sends one message, prints the reply and what was negotiated.
 *
 *   client CAFILE HOST PORT MESSAGE [IMPLEMENTATION]
 *
 * HOST is both where to connect and the name the certificate must carry (SNI and hostname
 * verification). Exit status 0 when the reply equals the message. Built from
 * docs/libunitls.md; compile with
 *   cc client.c $(pkg-config --cflags --libs unitls) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/unitls.h>

/* A client context that trusts only the CAs in cafile, on the named implementation (NULL: the
 * default). Versions, ciphers and verification keep their secure defaults. */
static unitls_client_context *client_context_new(const char *cafile, const char *implementation)
{
    unitls_error err;
    const unitls_implementation *impl = implementation ? unitls_implementation_find(implementation)
                                                       : unitls_implementation_default();
    if (!impl) {
        fprintf(stderr, "client: no implementation named %s; this library has:", implementation);
        for (size_t i = 0; unitls_implementation_at(i); i++)
            fprintf(stderr, " %s", unitls_implementation_name(unitls_implementation_at(i)));
        fprintf(stderr, "\n");
        return NULL;
    }
    unitls_trust_store *trust = unitls_trust_store_from_file(cafile, &err);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_client_config *config = NULL;
    if (trust && unitls_client_config_builder_set_trust_store(b, trust) == UNITLS_OK)
        config = unitls_client_config_builder_build(b, &err);
    unitls_client_config_builder_free(b);
    unitls_trust_store_unref(trust);
    unitls_client_context *ctx = config ? unitls_client_context_new(impl, config, &err) : NULL;
    unitls_client_config_unref(config);
    if (!ctx)
        fprintf(stderr, "client: %s\n", err.message);
    return ctx;
}

/* Sends message and reads until as many bytes came back (or the server closed). */
static int exchange(unitls_socket *s, const char *message, char *reply, size_t cap,
                    unitls_error *err)
{
    size_t len = strlen(message), sent, got = 0;
    if (unitls_socket_send(s, message, len, &sent, err) != UNITLS_OK)
        return -1;
    while (got < len && got < cap - 1) {
        size_t n;
        if (unitls_socket_recv(s, reply + got, cap - 1 - got, &n, err) != UNITLS_OK)
            return -1;
        if (n == 0)
            break; /* the server's close_notify */
        got += n;
    }
    reply[got] = '\0';
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: client CAFILE HOST PORT MESSAGE [IMPLEMENTATION]\n");
        return 2;
    }
    unitls_client_context *ctx = client_context_new(argv[1], argc == 6 ? argv[5] : NULL);
    if (!ctx)
        return 1;
    unitls_error err;
    unitls_socket *s = unitls_client_context_connect(ctx, argv[2], (uint16_t)atoi(argv[3]), &err);
    if (!s) {
        /* A handshake failure's message says why (an old server, an unknown CA, ...). */
        fprintf(stderr, "client: %s:%s: %s\n", argv[2], argv[3], err.message);
        unitls_client_context_unref(ctx);
        return 1;
    }
    size_t cap = strlen(argv[4]) + 1;
    char *reply = malloc(cap);
    int rc = reply ? exchange(s, argv[4], reply, cap, &err) : -1;
    if (rc == 0) {
        printf("reply: %s\n", reply);
        printf("implementation: %s\n",
               unitls_implementation_name(unitls_client_context_implementation(ctx)));
        printf("version: %s\n", unitls_tls_version_name(unitls_socket_negotiated_tls_version(s)));
        printf("cipher: %s\n", unitls_cipher_suite_name(unitls_socket_cipher(s)));
        rc = strcmp(reply, argv[4]) == 0 ? 0 : 1;
        /* Graceful close: our close_notify, then the server's. */
        if (unitls_socket_close(s, 0, &err) != UNITLS_OK)
            fprintf(stderr, "client: close: %s\n", err.message);
    } else {
        fprintf(stderr, "client: %s\n", reply ? err.message : "out of memory");
    }
    free(reply);
    unitls_socket_free(s);
    unitls_client_context_unref(ctx);
    return rc;
}
