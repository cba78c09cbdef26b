/* iobio: OpenSSL's BIO over a core iostore. */
#include "iobio.h"

/* A fixed BIO type: BIO_get_new_index() hands out a process-wide counter that would run out
 * of its 8 bits after enough context reloads. The type only matters to BIO_find_type(). */
#define IOBIO_TYPE ((BIO_TYPE_START + 17) | BIO_TYPE_SOURCE_SINK)

static int bio_read(BIO *bio, char *dst, size_t cap, size_t *readbytes)
{
    struct iostore *io = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    size_t n = iostore_in_take(io, dst, cap);
    *readbytes = n;
    if (n == 0 && !io->eof)
        BIO_set_retry_read(bio);
    return n > 0;
}

/* Never asks OpenSSL to retry: the buffer bounds what it hands to SSL_write instead, so a
 * record once built is always stored whole and write's count stays exact. */
static int bio_write(BIO *bio, const char *data, size_t len, size_t *written)
{
    struct iostore *io = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    int ok = iostore_out_append(io, data, len) == 0;
    *written = ok ? len : 0;
    return ok;
}

static long bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    const struct iostore *io = BIO_get_data(bio);
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_EOF:
        return io->eof && iostore_in_len(io) == 0;
    case BIO_CTRL_PENDING:
        return (long)iostore_in_len(io);
    case BIO_CTRL_WPENDING:
        return (long)iostore_out_len(io);
    default:
        return 0;
    }
}

static int bio_create(BIO *bio)
{
    BIO_set_init(bio, 1);
    return 1;
}

static int bio_destroy(BIO *bio)
{
    BIO_set_data(bio, NULL);
    return 1;
}

BIO_METHOD *iobio_method_new(void)
{
    BIO_METHOD *m = BIO_meth_new(IOBIO_TYPE, "unitls iostore");
    if (!m)
        return NULL;
    if (!BIO_meth_set_read_ex(m, bio_read) || !BIO_meth_set_write_ex(m, bio_write) ||
        !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create) ||
        !BIO_meth_set_destroy(m, bio_destroy)) {
        BIO_meth_free(m);
        return NULL;
    }
    return m;
}

BIO *iobio_new(BIO_METHOD *method, struct iostore *io)
{
    BIO *bio = BIO_new(method);
    if (bio)
        BIO_set_data(bio, io);
    return bio;
}
