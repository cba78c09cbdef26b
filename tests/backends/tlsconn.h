/* One non-blocking TLS client connection driven through a unitls_buffer (the project's own
 * client code, used by tlsclient): connect, handshake, then send a stream and receive one,
 * with bounded memory, as a state machine a poll loop steps.
 *
 * What is sent comes from the plan: a pseudo-random stream of known length (seeded per
 * connection, so the receiver can check an echo byte for byte without storing it), or a file.
 * What arrives is checked against the same stream (echo), written to a file, or counted. The
 * connection is finished when the plan's end condition holds (all echoed, or the peer closed);
 * failures carry a readable reason. A connection belongs to one thread. */
#ifndef UNITLS_TEST_TLSCONN_H
#define UNITLS_TEST_TLSCONN_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/unitls.h>

enum tlsconn_state {
    TLSCONN_CONNECTING,
    TLSCONN_HANDSHAKING,
    TLSCONN_RUNNING,
    TLSCONN_HOLDING,                /* finished its exchange, kept open until released */
    TLSCONN_DONE,
    TLSCONN_FAILED
};

enum tlsconn_end { TLSCONN_END_NONE, TLSCONN_END_CLOSE_NOTIFY, TLSCONN_END_RAGGED };

enum tlsconn_expect {
    TLSCONN_EXPECT_ECHO,            /* done once every byte sent has come back */
    TLSCONN_EXPECT_PEER_CLOSE       /* done once the peer closed (close_notify or EOF) */
};

/* What every connection of a run does. Not copied: it must outlive the connections. */
struct tlsconn_plan {
    unitls_client_context *ctx;
    const char *address;            /* 127.0.0.1:PORT or [::1]:PORT */
    const char *sni;                /* server name sent and verified; NULL: none */
    uint64_t send_bytes;            /* pseudo-random bytes to send (when input_fd < 0) */
    int input_fd;                   /* >= 0: send this file's content instead (one conn) */
    int output_fd;                  /* >= 0: write what arrives here (one conn) */
    int verify;                     /* compare what arrives with the pseudo-random stream */
    enum tlsconn_expect expect;
    int half_close;                 /* close_notify once all is sent, then read to the end */
    int hold;                       /* once finished, stay open until tlsconn_release */
    int rounds;                     /* send only what tlsconn_add_round allows */
    uint64_t seed;
    unsigned timeout_ms;            /* bound from start to finish (holding excluded) */
};

struct tlsconn_info {
    char version[16], cipher[64], alpn[64], server_name[256];
    int resumed;
    uint64_t handshake_ms;
};

struct tlsconn;

/* Starts connecting; never NULL unless out of memory (a failed connect is state FAILED). */
struct tlsconn *tlsconn_start(const struct tlsconn_plan *plan, unsigned id, uint64_t now_ms);
/* poll(2) events the connection waits for (0 when finished). */
short tlsconn_poll_events(const struct tlsconn *c);
int tlsconn_fd(const struct tlsconn *c);
/* Makes every step possible without blocking; checks the deadline against now_ms. */
void tlsconn_step(struct tlsconn *c, uint64_t now_ms);
enum tlsconn_state tlsconn_state(const struct tlsconn *c);
/* Rounds: allow n more bytes to be sent (and expected back); _end_rounds: no more rounds. */
void tlsconn_add_round(struct tlsconn *c, uint64_t n);
void tlsconn_end_rounds(struct tlsconn *c);
/* 1 when every byte allowed so far was sent and has come back. */
int tlsconn_round_complete(const struct tlsconn *c);
/* A held connection: sends close_notify and closes (state DONE). */
void tlsconn_release(struct tlsconn *c);
/* Fails a connection that is not finished with reason (used at a forced stop). */
void tlsconn_abort(struct tlsconn *c, const char *reason);
const char *tlsconn_error(const struct tlsconn *c);
const struct tlsconn_info *tlsconn_info(const struct tlsconn *c);
enum tlsconn_end tlsconn_end(const struct tlsconn *c);
void tlsconn_counts(const struct tlsconn *c, uint64_t *sent, uint64_t *received);
/* The server's leaf certificate as DER, borrowed; NULL when there is none. */
const uint8_t *tlsconn_peer_cert(struct tlsconn *c, size_t *len);
void tlsconn_free(struct tlsconn *c);

const char *tlsconn_end_name(enum tlsconn_end end);

#endif
