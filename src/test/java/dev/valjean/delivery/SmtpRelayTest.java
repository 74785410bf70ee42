package dev.valjean.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;

import dev.valjean.support.ScriptedSmtpServer;

/** The SMTP client against real servers: GreenMail (no PIPELINING) and the scripted relay (PIPELINING). */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SmtpRelayTest {

    private GreenMail greenMail;
    private ScriptedSmtpServer scripted;
    private final List<SmtpRelay> relays = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        greenMail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        greenMail.start();
        scripted = new ScriptedSmtpServer();
    }

    @AfterEach
    void stop() throws Exception {
        relays.forEach(SmtpRelay::close);
        greenMail.stop();
        scripted.close();
    }

    @Test
    void lines_starting_with_a_dot_and_text_outside_ascii_arrive_exactly_as_written() throws Exception {
        String text = ".one dot\n..two dots\n.\nGrüße\nlast";
        byte[] message = MimeEncoder.encode(MimeEncoderTest.mail("Dots", "news@valjean.test", text, "<p>.</p>\n.<br>"));
        String reply = relay(greenMail.getSmtp().getPort(), 1).submit("news@valjean.test", "reader@example.com", message);

        assertTrue(reply.startsWith("250"), reply);
        MimeMessage received = greenMail.getReceivedMessages()[0];
        MimeMultipart parts = (MimeMultipart) received.getContent();
        assertEquals(text, ((String) parts.getBodyPart(0).getContent()).replace("\r\n", "\n"));
        assertEquals("<p>.</p>\n.<br>", ((String) parts.getBodyPart(1).getContent()).replace("\r\n", "\n"));
    }

    @Test
    void every_line_starting_with_a_dot_gets_another_wherever_it_falls_among_eight_bytes() throws Exception {
        // The stuffing skips eight bytes at a time that hold no dot: dots and line starts at every offset of those eight.
        String[] pieces = { ".", "..", "a", "a.b", "text without one ", "\r\n", "\r\n.", "\r\n..", "\r", "\n", "\n." };
        java.util.Random random = new java.util.Random(20261205);
        for (int round = 0; round < 2000; round++) {
            StringBuilder text = new StringBuilder();
            for (int k = random.nextInt(30); k >= 0; k--) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            String m = text.toString();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            SmtpRelay.dotStuffed(out, m.getBytes(StandardCharsets.US_ASCII));
            // The rule as RFC 5321 4.5.2 states it, line by line (a line ends in CRLF; a bare CR or LF ends none).
            StringBuilder expected = new StringBuilder();
            for (String line : m.split("\r\n", -1)) {
                expected.append(line.startsWith(".") ? "." : "").append(line).append("\r\n");
            }
            String want = m.endsWith("\r\n") ? expected.substring(0, expected.length() - 2) : expected.toString();
            assertEquals(want, out.toString(StandardCharsets.US_ASCII), "round " + round + ": " + m);
        }
    }

    @Test
    void many_messages_share_one_kept_alive_connection_with_a_pipelined_envelope() throws Exception {
        SmtpRelay relay = relay(scripted.port(), 1);
        for (int i = 0; i < 20; i++) {
            relay.submit("news@valjean.test", "reader" + i + "@example.com", message());
        }
        assertEquals(20, scripted.accepted.size());
        assertEquals(1, scripted.connections.get(), "one connection for all twenty");
    }

    @Test
    void a_chain_sends_each_next_message_on_the_same_connection_and_a_refused_one_does_not_stop_the_rest() throws Exception {
        for (int port : new int[] { scripted.port(), greenMail.getSmtp().getPort() }) {
            boolean refuses = port == scripted.port(); // GreenMail takes every recipient
            SmtpRelay relay = relay(port, 1);
            java.util.Deque<String> queue = new java.util.ArrayDeque<>(List.of("second@example.com",
                    "reject-third@example.com", "fourth@example.com", "fifth@example.com"));
            List<String> results = new ArrayList<>();
            List<String> dotsFor = new ArrayList<>();
            java.util.function.Function<String, SmtpRelay.Outgoing> outgoing = to -> new SmtpRelay.Outgoing("news@valjean.test", to,
                    message(), () -> dotsFor.add(to), to);
            relay.submitChain(outgoing.apply("first@example.com"), () -> queue.isEmpty() ? null : outgoing.apply(queue.poll()),
                    results((m, reply) -> results.add(m.owner() + " " + reply.substring(0, 3)), (m, failure) -> results
                            .add(m.owner() + " " + (failure instanceof SmtpRelay.Rejected r && r.permanent() ? "refused" : failure))));
            List<String> all = List.of("first@example.com", "second@example.com", "reject-third@example.com", "fourth@example.com",
                    "fifth@example.com");
            List<String> expected = all.stream().map(to -> to + (refuses && to.startsWith("reject") ? " refused" : " 250")).toList();
            assertEquals(expected, results, "one result for each message, in order");
            List<String> delivered = all.stream().filter(to -> !refuses || !to.startsWith("reject")).toList();
            assertEquals(delivered, dotsFor, "each delivered message's dot waited for its own caller, the refused one had none");
            if (refuses) {
                assertEquals(delivered, scripted.accepted);
                assertEquals(1, scripted.connections.get(), "the whole chain on one connection");
            } else {
                Thread.sleep(100);
                assertEquals(5, greenMail.getReceivedMessages().length);
            }
        }
    }

    @Test
    void a_chain_whose_kept_alive_connection_was_dropped_goes_on_a_new_one_without_losing_a_message() throws Exception {
        SmtpRelay relay = relayWhoseKeptConnectionWasDropped();
        java.util.Deque<String> queue = new java.util.ArrayDeque<>(List.of("third@example.com"));
        List<String> accepted = new ArrayList<>();
        relay.submitChain(new SmtpRelay.Outgoing("news@valjean.test", "second@example.com", message(), SmtpRelay.EndOfData.NOW, "second"),
                () -> queue.isEmpty() ? null
                        : new SmtpRelay.Outgoing("news@valjean.test", queue.peek(), message(), SmtpRelay.EndOfData.NOW, queue.poll()),
                results((m, reply) -> accepted.add((String) m.owner()), (m, failure) -> {
                    throw new AssertionError(m.owner() + " failed: " + failure);
                }));
        assertEquals(List.of("second", "third@example.com"), accepted);
        assertEquals(List.of("first@example.com", "second@example.com", "third@example.com"), scripted.accepted);
        assertEquals(2, scripted.connections.get());
    }

    @Test
    void a_kept_alive_connection_the_relay_dropped_is_replaced_without_losing_the_message() throws Exception {
        SmtpRelay relay = relayWhoseKeptConnectionWasDropped();

        relay.submit("news@valjean.test", "second@example.com", message());

        assertEquals(List.of("first@example.com", "second@example.com"), scripted.accepted);
        assertEquals(2, scripted.connections.get());
    }

    @Test
    void the_final_dot_waits_for_the_caller_and_a_caller_that_gives_up_leaves_the_relay_nothing_to_deliver() throws Exception {
        for (int port : new int[] { scripted.port(), greenMail.getSmtp().getPort() }) {
            SmtpRelay relay = relay(port, 1);
            List<String> seenBeforeEnd = new ArrayList<>();
            String reply = relay.submit("news@valjean.test", "first@example.com", message(),
                    () -> seenBeforeEnd.add(delivered(port).toString()));
            assertTrue(reply.startsWith("250"), reply);
            assertEquals(List.of("[]"), seenBeforeEnd, "nothing delivered while the dot waited");

            java.io.IOException gaveUp = assertThrows(java.io.IOException.class, () -> relay.submit("news@valjean.test",
                    "abandoned@example.com", message(), () -> {
                        throw new java.net.SocketTimeoutException("earlier results were not recorded in time");
                    }));
            assertTrue(gaveUp.getMessage().contains("not recorded"), gaveUp.getMessage());
            relay.submit("news@valjean.test", "third@example.com", message());

            Thread.sleep(100);
            assertEquals(List.of("first@example.com", "third@example.com"), delivered(port), "the abandoned message is not delivered");
        }
    }

    @Test
    void what_the_dot_waits_for_is_taken_without_waiting_when_it_can_be_and_waited_for_when_not() throws Exception {
        for (int port : new int[] { scripted.port(), greenMail.getSmtp().getPort() }) {
            SmtpRelay relay = relay(port, 1);
            for (boolean free : new boolean[] { true, false }) {
                List<String> calls = new ArrayList<>();
                String reply = relay.submit("news@valjean.test", (free ? "first" : "third") + "@example.com", message(),
                        new SmtpRelay.EndOfData() {
                            @Override
                            public boolean tryNow() {
                                calls.add("tryNow");
                                return free;
                            }

                            @Override
                            public void await() {
                                calls.add("await");
                            }
                        });
                assertTrue(reply.startsWith("250"), reply);
                assertEquals(free ? List.of("tryNow") : List.of("tryNow", "await"), calls);
            }
            Thread.sleep(100);
            assertEquals(List.of("first@example.com", "third@example.com"), delivered(port));
        }
    }

    private List<String> delivered(int port) {
        if (port == scripted.port()) {
            return List.copyOf(scripted.accepted);
        }
        List<String> to = new ArrayList<>();
        // GreenMail makes a mailbox for each envelope recipient it delivers to.
        for (String address : List.of("first@example.com", "abandoned@example.com", "third@example.com")) {
            if (greenMail.getManagers().getUserManager().getUserByEmail(address) != null) {
                to.add(address);
            }
        }
        return to;
    }

    @Test
    void refused_recipients_are_reported_with_the_reply_and_the_connection_stays_usable() throws Exception {
        SmtpRelay relay = relay(scripted.port(), 1);
        SmtpRelay.Rejected rejected = assertThrows(SmtpRelay.Rejected.class,
                () -> relay.submit("news@valjean.test", "reject-me@example.com", message()));
        assertTrue(rejected.permanent());
        assertTrue(rejected.getMessage().startsWith("550 5.1.1 <reject-me@example.com>"), rejected.getMessage());
        SmtpRelay.Rejected greylisted = assertThrows(SmtpRelay.Rejected.class,
                () -> relay.submit("news@valjean.test", "greylist-me@example.com", message()));
        assertTrue(!greylisted.permanent() && greylisted.getMessage().startsWith("451"), greylisted.getMessage());

        relay.submit("news@valjean.test", "greylist-me@example.com", message());

        assertEquals(List.of("greylist-me@example.com"), scripted.accepted, "nothing delivered for a refused envelope");
        assertEquals(1, scripted.connections.get());
    }

    @Test
    void an_address_smtp_cannot_carry_is_refused_before_anything_is_sent() {
        SmtpRelay relay = relay(scripted.port(), 1);
        assertThrows(IllegalArgumentException.class, () -> relay.submit("news@valjean.test", "a>b@example.com", message()));
        assertThrows(IllegalArgumentException.class, () -> relay.submit("news@valjean.test", "a\r\nRSET@example.com", message()));
        assertEquals(0, scripted.connections.get());
    }

    @Test
    void over_tls_the_relay_is_used_only_with_a_certificate_the_client_trusts(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("relay.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "relay", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        assertEquals(0, keytool.waitFor(), new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        System.setProperty("greenmail.tls.keystore.file", keystore.toString());
        System.setProperty("greenmail.tls.keystore.password", "changeit");
        GreenMail tlsRelay = new GreenMail(ServerSetupTest.SMTPS.dynamicPort());
        try {
            tlsRelay.start();
            int port = tlsRelay.getSmtps().getPort();
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(keystore)) {
                trusted.load(in, "changeit".toCharArray());
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            SmtpRelay relay = new SmtpRelay(SmtpRelay.Settings.plain("127.0.0.1", port, SmtpConfig.Tls.IMPLICIT, 1,
                    Duration.ofSeconds(10)), context.getSocketFactory());
            relays.add(relay);

            assertTrue(relay.submit("news@valjean.test", "reader@example.com", message()).startsWith("250"));
            assertEquals(1, tlsRelay.getReceivedMessages().length);

            SmtpRelay untrusting = relay(port, 1, SmtpConfig.Tls.IMPLICIT);
            assertThrows(IOException.class, () -> untrusting.submit("news@valjean.test", "reader@example.com", message()),
                    "the JVM's CA store does not know this certificate");
            assertEquals(1, tlsRelay.getReceivedMessages().length);
        } finally {
            tlsRelay.stop();
            System.clearProperty("greenmail.tls.keystore.file");
            System.clearProperty("greenmail.tls.keystore.password");
        }
    }

    @Test
    void a_network_that_strips_starttls_never_sees_the_relay_password() throws Exception {
        // The scripted relay offers AUTH but no STARTTLS, as a relay does behind a STARTTLS-stripping network.
        SmtpRelay.Settings plain = SmtpRelay.Settings.plain("127.0.0.1", scripted.port(), SmtpConfig.Tls.OPTIONAL, 1,
                Duration.ofSeconds(5)).withCredentials("valjean", "s3cret-password");
        SmtpRelay relay = new SmtpRelay(plain);
        relays.add(relay);

        IOException refused = assertThrows(IOException.class,
                () -> relay.submit("news@valjean.test", "reader@example.com", message()));

        assertTrue(refused.getMessage().contains("not encrypted"), refused.getMessage());
        assertTrue(scripted.commands.stream().noneMatch(c -> c.toUpperCase().startsWith("AUTH")),
                "no AUTH on a plain session: " + scripted.commands);
        assertTrue(scripted.accepted.isEmpty());
    }

    @Test
    void credentials_make_tls_required_unless_the_operator_chose_otherwise() {
        assertEquals(SmtpConfig.Tls.REQUIRED, tlsOf(java.util.Optional.empty(), java.util.Optional.of("user")));
        assertEquals(SmtpConfig.Tls.OPTIONAL, tlsOf(java.util.Optional.empty(), java.util.Optional.empty()));
        assertEquals(SmtpConfig.Tls.DISABLED, tlsOf(java.util.Optional.of(SmtpConfig.Tls.DISABLED), java.util.Optional.of("user")));
    }

    private static SmtpConfig.Tls tlsOf(java.util.Optional<SmtpConfig.Tls> tls, java.util.Optional<String> username) {
        return SmtpConfig.effectiveTls(tls, username);
    }

    @Test
    void an_explicit_setting_allows_auth_on_a_plain_session_to_a_local_relay() throws Exception {
        SmtpRelay.Settings s = SmtpRelay.Settings.plain("127.0.0.1", scripted.port(), SmtpConfig.Tls.OPTIONAL, 1,
                Duration.ofSeconds(5)).withCredentials("valjean", "local");
        SmtpRelay relay = new SmtpRelay(new SmtpRelay.Settings(s.host(), s.port(), s.tls(), s.username(), s.password(),
                s.heloName(), 1, s.connect(), s.reply(), s.finalReply(), true));
        relays.add(relay);

        assertTrue(relay.submit("news@valjean.test", "reader@example.com", message()).startsWith("250"));
        assertTrue(scripted.commands.stream().anyMatch(c -> c.startsWith("AUTH PLAIN")), scripted.commands.toString());
    }

    private static SmtpRelay.Results results(java.util.function.BiConsumer<SmtpRelay.Outgoing, String> accepted,
            java.util.function.BiConsumer<SmtpRelay.Outgoing, Exception> failed) {
        return new SmtpRelay.Results() {
            @Override
            public void accepted(SmtpRelay.Outgoing message, String reply) {
                accepted.accept(message, reply);
            }

            @Override
            public void failed(SmtpRelay.Outgoing message, Exception failure) {
                failed.accept(message, failure);
            }
        };
    }

    /** A relay of one connection that carried "first@example.com" and was then dropped by the scripted relay. */
    private SmtpRelay relayWhoseKeptConnectionWasDropped() throws Exception {
        SmtpRelay relay = relay(scripted.port(), 1);
        relay.submit("news@valjean.test", "first@example.com", message());
        scripted.dropConnections();
        Thread.sleep(50);
        return relay;
    }

    @Test
    void a_relay_that_stops_reading_in_the_middle_of_the_content_ends_the_submission_as_timed_out() throws Exception {
        // Java keeps no time limit on a socket's writes: before the relay's limits were kept by a timer, this submission never ended.
        try (StalledRelay stalled = new StalledRelay(true)) {
            SmtpRelay relay = new SmtpRelay(SmtpRelay.Settings.plain("127.0.0.1", stalled.port(), SmtpConfig.Tls.DISABLED, 1,
                    Duration.ofSeconds(1)));
            relays.add(relay);
            byte[] large = ("x".repeat(998) + "\r\n").repeat(32 * 1024).getBytes(StandardCharsets.US_ASCII); // 32 MB, more than the sockets buffer
            var submission = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return relay.submit("news@valjean.test", "reader@example.com", large);
                } catch (Exception e) {
                    return e;
                }
            });
            Object result = submission.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(result instanceof java.net.SocketTimeoutException, "a timeout, not " + result);
            assertTrue(stalled.sawData.get(), "the relay opened DATA and then stopped reading");
        }
    }

    @Test
    void a_relay_that_accepts_the_connection_and_never_greets_is_a_timeout_within_the_connect_limit() throws Exception {
        try (StalledRelay silent = new StalledRelay(false)) {
            SmtpRelay relay = new SmtpRelay(new SmtpRelay.Settings("127.0.0.1", silent.port(), SmtpConfig.Tls.DISABLED, null, null, "valjean.test",
                    1, Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ofSeconds(60), false));
            relays.add(relay);
            var submission = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return relay.submit("news@valjean.test", "reader@example.com", message());
                } catch (Exception e) {
                    return e;
                }
            });
            Object result = submission.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(result instanceof java.net.SocketTimeoutException, "a timeout, not " + result);
        }
    }

    /** A relay that greets, opens DATA and then reads no more; or, not greeting, says nothing at all. */
    private static final class StalledRelay implements AutoCloseable {
        final java.net.ServerSocket server = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
        final java.util.concurrent.atomic.AtomicBoolean sawData = new java.util.concurrent.atomic.AtomicBoolean();
        final List<java.net.Socket> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
        final Thread thread;

        StalledRelay(boolean greet) throws IOException {
            thread = new Thread(() -> {
                try {
                    while (true) {
                        java.net.Socket s = server.accept();
                        accepted.add(s);
                        if (!greet) {
                            continue;
                        }
                        var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                        var out = s.getOutputStream();
                        out.write("220 stalled.test\r\n".getBytes(StandardCharsets.US_ASCII));
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            if (line.equals("DATA")) {
                                out.write("354 go ahead\r\n".getBytes(StandardCharsets.US_ASCII));
                                sawData.set(true);
                                break; // and read no more
                            }
                            out.write("250 ok\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "stalled-relay");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (accepted) {
                for (java.net.Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    @Test
    void a_kept_alive_connection_idle_too_long_is_closed_with_quit_and_the_next_message_opens_another() throws Exception {
        SmtpRelay relay = relay(scripted.port(), 2);
        assertTrue(relay.submit("news@valjean.test", "first@example.com", message()).startsWith("250"));

        assertEquals(0, relay.closeIdle(java.util.concurrent.TimeUnit.MINUTES.toNanos(1)), "used a moment ago: kept");
        assertEquals(1, relay.closeIdle(0));
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!scripted.commands.contains("QUIT") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(scripted.commands.contains("QUIT"), "the relay heard QUIT: " + scripted.commands);
        assertEquals(0, relay.closeIdle(0), "nothing left to close");

        assertTrue(relay.submit("news@valjean.test", "second@example.com", message()).startsWith("250"));
        assertEquals(List.of("first@example.com", "second@example.com"), scripted.accepted);
        assertEquals(2, scripted.connections.get(), "the second message on a new connection");
    }

    private static byte[] message() {
        return MimeEncoder.encode(MimeEncoderTest.mail("Hello", "news@valjean.test", "hello", "<p>hello</p>"));
    }

    private SmtpRelay relay(int port, int connections) {
        return relay(port, connections, SmtpConfig.Tls.DISABLED);
    }

    private SmtpRelay relay(int port, int connections, SmtpConfig.Tls tls) {
        SmtpRelay relay = new SmtpRelay(SmtpRelay.Settings.plain("127.0.0.1", port, tls, connections, Duration.ofSeconds(10)));
        relays.add(relay);
        return relay;
    }
}
