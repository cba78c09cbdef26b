/* many-certs: what one listener with N certificates costs libunitls, at start-up and when one
 * certificate is renewed in place.
 *
 *   many-certs DIR N [RENEW_CMD]
 *
 * Reads DIR/site-I.pem and DIR/site-I.key for I in 0..N-1 (bench/gen-many-certs writes them),
 * builds one server configuration and a context from it, and prints the wall time of each
 * step and the process's resident memory growth per certificate. With RENEW_CMD (a shell
 * command that rewrites one pair in place), it then runs it, rebuilds the configuration, and
 * builds the new context both from scratch and derived from the running one (reusing the
 * state of every chain whose content is unchanged), timing each, as a reload does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unitls/unitls.h>

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

static void die(const char *what, const unitls_error *err)
{
    fprintf(stderr, "many-certs: %s: %s\n", what, err->message);
    exit(1);
}

static unitls_server_config *config_build(const char *dir, long n)
{
    unitls_error err;
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    char cert_path[4096], key_path[4096];
    for (long i = 0; i < n; i++) {
        snprintf(cert_path, sizeof cert_path, "%s/site-%ld.pem", dir, i);
        snprintf(key_path, sizeof key_path, "%s/site-%ld.key", dir, i);
        unitls_certificate *leaf = unitls_certificate_from_file(cert_path, &err);
        unitls_private_key *key = leaf ? unitls_private_key_from_file(key_path, &err) : NULL;
        unitls_signing_chain *chain = key ? unitls_signing_chain_new(leaf, key, NULL, 0, &err)
                                          : NULL;
        if (!chain)
            die(cert_path, &err);
        unitls_server_config_builder_add_certificate_chain(b, chain);
        unitls_signing_chain_unref(chain);
        unitls_private_key_unref(key);
        unitls_certificate_unref(leaf);
    }
    unitls_server_config *config = unitls_server_config_builder_build(b, &err);
    if (!config)
        die("server config", &err);
    unitls_server_config_builder_free(b);
    return config;
}

static unitls_server_context *context_build(unitls_server_config *config,
                                            unitls_server_context *previous, const char *label)
{
    unitls_error err;
    double t0 = wall_seconds();
    unitls_server_context *ctx =
        previous ? unitls_server_context_new_derived(NULL, config, previous, &err)
                 : unitls_server_context_new(NULL, config, &err);
    if (!ctx)
        die(label, &err);
    printf("%-40s %8.3f s\n", label, wall_seconds() - t0);
    return ctx;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: many-certs DIR N [RENEW_CMD]\n");
        return 2;
    }
    long n = atol(argv[2]), rss0 = rss_kib();
    double t0 = wall_seconds();
    unitls_server_config *config = config_build(argv[1], n);
    printf("%-40s %8.3f s\n", "configuration (read + digest files)", wall_seconds() - t0);
    unitls_server_context *ctx = context_build(config, NULL, "context from scratch");
    long rss1 = rss_kib();
    printf("%-40s %8.2f KiB\n", "resident memory per certificate",
           (double)(rss1 - rss0) / (double)n);
    if (argc == 4) {
        if (system(argv[3]) != 0)
            return 1;
        t0 = wall_seconds();
        unitls_server_config *renewed = config_build(argv[1], n);
        printf("%-40s %8.3f s (equal to the old: %s)\n", "renewed configuration",
               wall_seconds() - t0, unitls_server_config_equal(config, renewed) ? "yes" : "no");
        unitls_server_context *scratch = context_build(renewed, NULL, "renewed context from scratch");
        unitls_server_context *derived = context_build(renewed, ctx, "renewed context derived");
        unitls_server_context_unref(scratch);
        unitls_server_context_unref(derived);
        unitls_server_config_unref(renewed);
    }
    unitls_server_context_unref(ctx);
    unitls_server_config_unref(config);
    return 0;
}
