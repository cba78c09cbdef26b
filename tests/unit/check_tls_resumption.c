/* Session resumption: a client context remembers sessions per server name, so a second
 * connection to the same name resumes (both sides report it); resumption off on the client, or
 * no tickets from the server, means full handshakes. */
#include "testutil.h"

/* One connection: handshake, read what the server sends after it (TLS 1.3 tickets), close
 * cleanly both ways. Returns whether the handshake resumed (both sides must agree). */
static int connect_once(unitls_client_context *cctx, const char *host,
                        unitls_server_context *sctx)
{
    struct tu_conn *c = tu_conn_new(cctx, host, sctx);
    tu_handshake_ok(c);
    tu_settle(c);
    int client_resumed = unitls_buffer_session_resumed(c->client);
    int server_resumed = unitls_buffer_session_resumed(c->server);
    ck_assert_msg(client_resumed == server_resumed, "resumed: client says %d, server %d",
                  client_resumed, server_resumed);
    tu_assert_peer_cert(c->client, "example.org.der");
    unitls_buffer_shutdown(c->client);
    tu_conn_move(c);
    unitls_buffer_shutdown(c->server);
    tu_conn_move(c);
    tu_conn_free(c);
    return client_resumed;
}

static unitls_client_context *client(int resumption, enum unitls_tls_version highest)
{
    unitls_client_config_builder *b = tu_client_builder();
    tu_assert_status(unitls_client_config_builder_set_session_resumption(b, resumption),
                     UNITLS_OK, "set_session_resumption", "");
    tu_client_versions(b, UNITLS_TLS_VERSION_UNSET, highest);
    return tu_client_context_from(b);
}

static unitls_server_context *server(int tickets_set, unsigned tickets)
{
    const char *name = "example.org";
    unitls_server_config_builder *b = tu_server_builder(&name, 1);
    if (tickets_set)
        tu_assert_status(unitls_server_config_builder_set_session_tickets(b, tickets), UNITLS_OK,
                         "set_session_tickets", "");
    return tu_server_context_from(b);
}

static enum unitls_tls_version version_of(int i)
{
    return i == 0 ? UNITLS_TLSv1_3 : UNITLS_TLSv1_2;
}

/* Defaults on both sides: the first connection is full, the second and third resume
 * (TLS 1.3 and 1.2). */
START_TEST(test_second_connection_resumes)
{
    unitls_client_context *cctx = client(1, version_of(_i));
    unitls_server_context *sctx = server(0, 0);
    ck_assert_msg(!connect_once(cctx, "example.org", sctx), "first connection resumed");
    ck_assert_msg(connect_once(cctx, "example.org", sctx), "second connection did not resume");
    ck_assert_msg(connect_once(cctx, "example.org", sctx), "third connection did not resume");
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
}
END_TEST

/* One remembered session serves several connections: one started after another resumed with
 * it but before that one's new ticket arrived resumes too, and connections freed without
 * close_notify do not spoil it (TLS 1.3 and 1.2). Load with several connections in flight to
 * one name lives in that window. */
START_TEST(test_shared_session_resumes_before_new_ticket)
{
    unitls_client_context *cctx = client(1, version_of(_i));
    unitls_server_context *sctx = server(0, 0);
    ck_assert(!connect_once(cctx, "example.org", sctx));
    struct tu_conn *first = tu_conn_new(cctx, "example.org", sctx);
    tu_handshake_ok(first);
    ck_assert_msg(unitls_buffer_session_resumed(first->client), "first connection did not resume");
    struct tu_conn *second = tu_conn_new(cctx, "example.org", sctx);
    tu_handshake_ok(second);
    ck_assert_msg(unitls_buffer_session_resumed(second->client),
                  "a connection started before the first one's new ticket did not resume");
    ck_assert(unitls_buffer_session_resumed(second->server));
    tu_settle(first);
    tu_settle(second);
    tu_conn_free(first);
    tu_conn_free(second);
    ck_assert_msg(connect_once(cctx, "example.org", sctx),
                  "did not resume after connections freed without close_notify");
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
}
END_TEST

/* Sessions are kept per server name: another name served by the same chain starts fresh. */
START_TEST(test_other_name_does_not_resume)
{
    unitls_client_context *cctx = client(1, UNITLS_TLSv1_3);
    unitls_server_context *sctx = server(0, 0);
    ck_assert(!connect_once(cctx, "example.org", sctx));
    ck_assert_msg(!connect_once(cctx, "www.example.org", sctx),
                  "a session for example.org was used for www.example.org");
    ck_assert_msg(connect_once(cctx, "www.example.org", sctx),
                  "www.example.org did not resume its own session");
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
}
END_TEST

/* Sessions belong to a client context: a second context starts fresh. */
START_TEST(test_other_context_does_not_resume)
{
    unitls_client_context *first = client(1, UNITLS_TLSv1_3);
    unitls_client_context *second = client(1, UNITLS_TLSv1_3);
    unitls_server_context *sctx = server(0, 0);
    ck_assert(!connect_once(first, "example.org", sctx));
    ck_assert_msg(!connect_once(second, "example.org", sctx),
                  "a new client context resumed another context's session");
    unitls_client_context_unref(first);
    unitls_client_context_unref(second);
    unitls_server_context_unref(sctx);
}
END_TEST

/* Resumption off on the client: every connection is a full handshake (TLS 1.3 and 1.2). */
START_TEST(test_resumption_off_never_resumes)
{
    unitls_client_context *cctx = client(0, version_of(_i));
    unitls_server_context *sctx = server(0, 0);
    ck_assert(!connect_once(cctx, "example.org", sctx));
    ck_assert_msg(!connect_once(cctx, "example.org", sctx),
                  "resumed with session resumption off");
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
}
END_TEST

/* A server issuing no tickets cannot be resumed with (TLS 1.3, where tickets are the only
 * way). */
START_TEST(test_zero_tickets_never_resumes)
{
    unitls_client_context *cctx = client(1, UNITLS_TLSv1_3);
    unitls_server_context *sctx = server(1, 0);
    ck_assert(!connect_once(cctx, "example.org", sctx));
    ck_assert_msg(!connect_once(cctx, "example.org", sctx), "resumed with 0 session tickets");
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
}
END_TEST

/* Several tickets per handshake are fine: resumption still works. */
START_TEST(test_several_tickets_resume)
{
    unitls_client_context *cctx = client(1, UNITLS_TLSv1_3);
    unitls_server_context *sctx = server(1, 4);
    ck_assert(!connect_once(cctx, "example.org", sctx));
    ck_assert_msg(connect_once(cctx, "example.org", sctx), "did not resume with 4 tickets");
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
}
END_TEST

/* A ticket offered to another server context (which may not know its keys) never makes the
 * handshake fail: the server resumes or falls back to a full handshake, and a session from
 * that connection then resumes there. */
START_TEST(test_other_server_context_falls_back)
{
    unitls_client_context *cctx = client(1, UNITLS_TLSv1_3);
    unitls_server_context *first = server(0, 0);
    unitls_server_context *second = server(0, 0);
    ck_assert(!connect_once(cctx, "example.org", first));
    connect_once(cctx, "example.org", second);
    ck_assert_msg(connect_once(cctx, "example.org", second),
                  "no resumption on the second server context");
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(first);
    unitls_server_context_unref(second);
}
END_TEST

static Suite *resumption_suite(void)
{
    Suite *s = suite_create("tls_resumption");
    TCase *tc = tcase_create("resumption");
    tcase_add_loop_test(tc, test_second_connection_resumes, 0, 2);
    tcase_add_loop_test(tc, test_shared_session_resumes_before_new_ticket, 0, 2);
    tcase_add_test(tc, test_other_name_does_not_resume);
    tcase_add_test(tc, test_other_context_does_not_resume);
    tcase_add_loop_test(tc, test_resumption_off_never_resumes, 0, 2);
    tcase_add_test(tc, test_zero_tickets_never_resumes);
    tcase_add_test(tc, test_several_tickets_resume);
    tcase_add_test(tc, test_other_server_context_falls_back);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(resumption_suite());
}
