/* fuzz_settings: unitlsd's configuration loader (src/daemon/settings.c and settings_listener.c
 * over settings_yaml.c and libyaml) on arbitrary bytes, through settings_load_buffer: the whole
 * schema walk, every value parser and every error message. Seeds: the configurations of
 * tests/integration/configs and conf/. Checked on every input: settings_load's contract (0 with
 * no error line and at least one listener; -1 with at least one error line, each starting with
 * the file's name). Certificate files are not read (that is settings_build_tls, not parsing). */
#include <stdlib.h>
#include <string.h>

#include "daemon/settings.h"
#include "fuzz/fuzz_target.h"

#define FUZZ_CONFIG_NAME "/fuzz/unitlsd.yaml"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* The seeds name their files under these; set, the walk goes past the expansion. */
    setenv("UNITLS_TEST_CERTS", "/fuzz/certs", 1);
    setenv("CREDENTIALS_DIRECTORY", "/fuzz/credentials", 1);
    setenv("VAR", "/fuzz/var", 1);
    return 0;
}

static void check_errors(const struct settings_errors *errs)
{
    for (size_t i = 0; i < errs->n; i++) {
        const char *line = errs->lines[i];
        if (!line || strncmp(line, FUZZ_CONFIG_NAME ":", strlen(FUZZ_CONFIG_NAME ":")) != 0)
            fuzz_fail("settings_load_buffer: error line %zu does not name the file: \"%s\"", i,
                      line ? line : "(null)");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t empty[1];
    struct settings s;
    struct settings_errors errs = {NULL, 0};
    int rc = settings_load_buffer(FUZZ_CONFIG_NAME, size ? data : empty, size, &s, &errs);
    if (rc == 0 && (errs.n != 0 || s.n_listeners == 0))
        fuzz_fail("settings_load_buffer: 0 with %zu error lines and %zu listeners", errs.n,
                  s.n_listeners);
    if (rc != 0 && errs.n == 0)
        fuzz_fail("settings_load_buffer: %d with no error line", rc);
    check_errors(&errs);
    if (rc == 0)
        settings_free(&s);
    settings_errors_free(&errs);
    return 0;
}
