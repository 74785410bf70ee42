package dev.valjean.delivery;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A bounded set of kept-alive SMTP sessions to one relay. Each submission borrows a session,
 * runs one mail transaction on it, and gives it back. With PIPELINING (RFC 2920) the envelope
 * (MAIL, RCPT, DATA) goes in one write and the content in the next, so a message costs two reads
 * however many lines it has. The final dot, which is what makes the relay take the message, can
 * wait for the caller ({@link EndOfData}): the envelope and the content travel while the caller
 * waits for something else, and when there is nothing to wait for the content and the dot go in
 * one write. Blocking I/O: callers run submissions on their own threads, one session each.
 */
public final class SmtpRelay implements AutoCloseable {

    /** A reply the relay gave instead of accepting the message. */
    public static final class Rejected extends Exception {
        final int code;

        Rejected(Reply reply) {
            super(reply.text().replace('\n', ' '), null, false, false);
            this.code = reply.code;
        }

        public boolean permanent() {
            return code >= 500;
        }
    }

    /**
     * Called once the content is with the relay and before the final dot that completes it. It
     * may block; if it throws, the dot is never sent and the connection is closed, so the relay
     * discards the message (RFC 5321 4.1.1.4: without the end of data there is no transaction).
     */
    @FunctionalInterface
    public interface EndOfData {
        void await() throws IOException, InterruptedException;

        /**
         * What {@link #await} waits for, if it can be had without waiting; true when it was. The
         * content and the dot then go to the relay in one write instead of two.
         */
        default boolean tryNow() {
            return false;
        }

        EndOfData NOW = () -> {
        };
    }

    /** One SMTP reply: its code and its lines, joined by newlines. */
    record Reply(int code, String text) {
        boolean positive() {
            return code >= 200 && code < 300;
        }
    }

    /**
     * Where the relay is and how to talk to it. Each read from and write to the relay has a time
     * limit ({@link Limits}): {@code connect} for the TCP (and TLS) set-up, the greeting and the
     * login, {@code reply} for every command's reply and every write, {@code finalReply} for the
     * reply after the content's final dot (RFC 5321 4.5.3.2.6 suggests 10 minutes). A submission
     * therefore ends by itself, whatever the relay does.
     */
    public record Settings(String host, int port, SmtpConfig.Tls tls, String username, String password, String heloName,
            int connections, Duration connect, Duration reply, Duration finalReply, boolean allowPlainAuth) {

        /** A relay without credentials, for tests and tools. */
        public static Settings plain(String host, int port, SmtpConfig.Tls tls, int connections, Duration timeout) {
            return new Settings(host, port, tls, null, null, "valjean.test", connections, timeout, timeout, timeout, false);
        }

        public Settings withTimeouts(Duration reply, Duration finalReply) {
            return new Settings(host, port, tls, username, password, heloName, connections, connect, reply, finalReply,
                    allowPlainAuth);
        }

        public Settings withCredentials(String username, String password) {
            return new Settings(host, port, tls, username, password, heloName, connections, connect, reply, finalReply,
                    allowPlainAuth);
        }
    }

    /** Sessions idle longer than this are closed rather than reused: relays drop idle clients. */
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final byte[] CRLF = { '\r', '\n' };

    private final String host;
    private final int port;
    private final SmtpConfig.Tls tls;
    private final String username;
    private final String password;
    private final String heloName;
    private final boolean allowPlainAuth;
    private final int connectTimeoutMillis;
    private final int replyTimeoutMillis;
    private final int finalReplyTimeoutMillis;
    private final SSLSocketFactory tlsSockets;
    private final Semaphore permits;
    private final LinkedBlockingDeque<Session> idle = new LinkedBlockingDeque<>();
    private volatile boolean closed;

    public SmtpRelay(Settings settings) {
        this(settings, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /** With the TLS socket factory to use (the JVM's default trusts its CA store; tests bring their own). */
    SmtpRelay(Settings settings, SSLSocketFactory tlsSockets) {
        this.tlsSockets = tlsSockets;
        this.host = settings.host();
        this.port = settings.port();
        this.tls = settings.tls();
        this.username = settings.username();
        this.password = settings.password();
        this.heloName = settings.heloName();
        this.allowPlainAuth = settings.allowPlainAuth();
        this.connectTimeoutMillis = millis(settings.connect());
        this.replyTimeoutMillis = millis(settings.reply());
        this.finalReplyTimeoutMillis = millis(settings.finalReply());
        this.permits = new Semaphore(Math.max(1, settings.connections()));
    }

    /**
     * The time limits of socket calls, kept by one timer thread rather than by the sockets. A socket
     * with a read timeout (SO_TIMEOUT) reads in non-blocking mode and polls before each read that has
     * to wait: three system calls per reply instead of one (the polls were 8.6 % of delivery's CPU
     * samples in issue 15's bench, 2.5 % without). And Java keeps no time limit on a socket's writes
     * at all, so a relay that stopped reading held a submission thread for good. Here sockets stay
     * blocking, each call arms its connection's deadline, and the timer closes the raw socket of a
     * call that has passed it, which ends the call (a blocked read or write, TLS inside it too); the
     * call then fails as timed out (DECISIONS 29).
     */
    static final class Limits {
        /** How often the timer looks; a call may run this much past its limit before it is ended. */
        static final long TICK_MILLIS = 50;
        private static final java.util.Set<Limit> ARMED = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private static final java.util.concurrent.ScheduledExecutorService TIMER = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "valjean-smtp-limits");
                    t.setDaemon(true);
                    return t;
                });

        static {
            TIMER.scheduleWithFixedDelay(Limits::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }

        private static void tick() {
            long now = System.nanoTime();
            for (Limit limit : ARMED) {
                long deadline = limit.deadline;
                if (deadline != 0 && now - deadline > 0) {
                    limit.expire();
                }
            }
        }

        private Limits() {
        }
    }

    /** One connection's time limit: the socket it ends, and the deadline of the call under way (0: none). */
    static final class Limit {
        private final Socket raw;
        /** The limit each call gets, in milliseconds; set by the connection's own thread. */
        int millis;
        private volatile long deadline;
        private volatile boolean expired;

        Limit(Socket raw, int millis) {
            this.raw = raw;
            this.millis = millis;
            Limits.ARMED.add(this);
        }

        void arm() {
            long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            deadline = at == 0 ? 1 : at;
        }

        void disarm() {
            deadline = 0;
        }

        /** The failure of a call that ended with {@code e}: a timeout when this limit ended it. */
        IOException failure(IOException e) {
            if (!expired) {
                return e;
            }
            SocketTimeoutException timeout = new SocketTimeoutException("timed out after " + millis + " ms");
            timeout.initCause(e);
            return timeout;
        }

        void expire() {
            expired = true;
            deadline = 0;
            close();
        }

        /** Closes the raw socket (not a TLS layer over it, whose close could wait on the blocked call) and stops watching. */
        void close() {
            Limits.ARMED.remove(this);
            try {
                raw.close();
            } catch (IOException e) {
                // nothing to do
            }
        }

        /** A blocking call under this limit. */
        <T> T within(Call<T> call) throws IOException {
            arm();
            try {
                return call.run();
            } catch (IOException e) {
                throw failure(e);
            } finally {
                disarm();
            }
        }

        /** {@link #within} for a call without a result. */
        void run(Action action) throws IOException {
            within(() -> {
                action.run();
                return null;
            });
        }
    }

    @FunctionalInterface
    interface Call<T> {
        T run() throws IOException;
    }

    @FunctionalInterface
    interface Action {
        void run() throws IOException;
    }

    /** A stream whose every read is a call under the connection's limit. */
    private static final class LimitedInput extends java.io.FilterInputStream {
        private final Limit limit;

        LimitedInput(InputStream in, Limit limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            return limit.within(() -> in.read());
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return limit.within(() -> in.read(b, off, len));
        }
    }

    /** A stream whose every write and flush is a call under the connection's limit. */
    private static final class LimitedOutput extends java.io.FilterOutputStream {
        private final Limit limit;

        LimitedOutput(OutputStream out, Limit limit) {
            super(out);
            this.limit = limit;
        }

        @Override
        public void write(int b) throws IOException {
            limit.run(() -> out.write(b));
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            limit.run(() -> out.write(b, off, len));
        }

        @Override
        public void flush() throws IOException {
            limit.run(() -> out.flush());
        }
    }

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    public String address() {
        return host + ":" + port;
    }

    /**
     * Submits one message and returns the relay's acceptance ("250 ..."). A reused session that
     * turns out to be dead before any content went out is replaced once, transparently.
     *
     * @param message the encoded message with CRLF line ends, not dot-stuffed
     * @throws Rejected the relay refused the message (4xx: try later, 5xx: do not)
     * @throws IOException the relay could not be reached or the connection broke
     */
    public String submit(String from, String to, byte[] message) throws Rejected, IOException, InterruptedException {
        return submit(from, to, message, EndOfData.NOW);
    }

    /**
     * As {@link #submit(String, String, byte[])}, sending the final dot only when {@code beforeEnd}
     * returns. A relay that refuses the envelope never gets that far: {@code beforeEnd} is then
     * not called.
     */
    public String submit(String from, String to, byte[] message, EndOfData beforeEnd)
            throws Rejected, IOException, InterruptedException {
        // A chain of one: the same sessions, retry and failure handling as the dispatcher's chains.
        String[] reply = { null };
        Exception[] failure = { null };
        submitChain(new Outgoing(from, to, message, beforeEnd, null), () -> null, new Results() {
            @Override
            public void accepted(Outgoing m, String r) {
                reply[0] = r;
            }

            @Override
            public void failed(Outgoing m, Exception e) {
                failure[0] = e;
            }
        });
        if (failure[0] instanceof Rejected r) {
            throw r;
        } else if (failure[0] instanceof IOException e) {
            throw e;
        } else if (failure[0] instanceof InterruptedException e) {
            throw e;
        } else if (failure[0] instanceof RuntimeException e) {
            throw e;
        } else if (failure[0] != null) {
            throw new IllegalStateException(failure[0]);
        }
        return reply[0];
    }

    /** A message of a chain ({@link #submitChain}); {@code owner} is the caller's, given back with its result. */
    public record Outgoing(String from, String to, byte[] message, EndOfData beforeEnd, Object owner) {
    }

    /** Where a chain's results go: exactly one call for each message the chain was given. */
    public interface Results {
        void accepted(Outgoing message, String reply);

        /** {@code failure}: {@link Rejected}, an {@link IOException}, or what the message could not be sent for. */
        void failed(Outgoing message, Exception failure);
    }

    /**
     * Submits {@code first}, then each message {@code next} gives (null: none now) on the same
     * session while it lasts. The next message is asked for once the previous content is written,
     * and with PIPELINING its envelope goes in the same write as the previous dot, so a message
     * costs one write and one read instead of two (RFC 2920 3.1). Each message's dot still waits
     * for its own {@link EndOfData}. A message whose content never went out when its session
     * failed (its envelope sent with a dot the relay did not answer, or a kept-alive session the
     * relay had dropped) goes once more on a new session; nothing else is sent twice.
     */
    public void submitChain(Outgoing first, java.util.function.Supplier<Outgoing> next, Results results) {
        java.util.function.Supplier<Outgoing> valid = () -> {
            for (Outgoing o = next.get(); o != null; o = next.get()) {
                try {
                    requireAddress(o.from());
                    requireAddress(o.to());
                    return o;
                } catch (IllegalArgumentException e) {
                    results.failed(o, e);
                }
            }
            return null;
        };
        Outgoing current = first;
        try {
            requireAddress(first.from());
            requireAddress(first.to());
        } catch (IllegalArgumentException e) {
            results.failed(first, e);
            current = valid.get();
        }
        Outgoing retried = null;
        while (current != null) {
            boolean permitted;
            try {
                permitted = permits.tryAcquire(replyTimeoutMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                results.failed(current, e);
                return;
            }
            if (!permitted) {
                results.failed(current, new SocketTimeoutException("no SMTP connection free within " + replyTimeoutMillis + " ms"));
                current = valid.get();
                continue;
            }
            Outgoing again;
            try {
                again = chain(current, valid, results, current != retried);
            } finally {
                permits.release();
            }
            retried = again == current ? current : null;
            current = again;
        }
    }

    /**
     * Runs a chain on one session; returns a message that still needs a session (its own never
     * carried its content), or null when the chain is done.
     */
    private Outgoing chain(Outgoing current, java.util.function.Supplier<Outgoing> next, Results results, boolean mayRetry) {
        Session session = reusable();
        if (session == null) {
            try {
                session = open();
            } catch (IOException e) {
                results.failed(current, e);
                return next.get();
            }
        }
        boolean envelopeSent = false;
        while (current != null) {
            Outgoing[] following = { null };
            try {
                String reply = session.transaction(current.from(), current.to(), current.message(), current.beforeEnd(),
                        envelopeSent, next, following);
                results.accepted(current, reply);
            } catch (Rejected e) {
                if (!session.contentSent && e.code == 421 && mayRetry) {
                    session.close();
                    return current; // a kept-alive session the relay was closing: once more on a new one
                }
                results.failed(current, e);
                if (!session.usable) {
                    session.close();
                    return following[0] != null ? following[0] : next.get();
                }
                if (!session.contentSent) {
                    // Refused before its content, so the next message was not asked for yet.
                    following[0] = next.get();
                    envelopeSent = false;
                    current = following[0];
                    mayRetry = true;
                    continue;
                }
            } catch (IOException | RuntimeException e) {
                session.close();
                if (!session.contentSent && mayRetry) {
                    return current;
                }
                results.failed(current, e);
                return following[0] != null ? following[0] : next.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                session.close();
                results.failed(current, e);
                if (following[0] != null) {
                    results.failed(following[0], e);
                }
                return null;
            }
            envelopeSent = following[0] != null && session.pipelining;
            current = following[0];
            if (current == null) {
                break;
            }
            mayRetry = true;
        }
        keep(session);
        return null;
    }

    @Override
    public void close() {
        closed = true;
        Session s;
        while ((s = idle.poll()) != null) {
            s.quit();
        }
    }

    /**
     * Says QUIT on the kept-alive sessions that have been idle longer than they would be reused, and
     * closes them: a relay's connection is not held open for nothing until the relay times it out (and logs
     * it). How many were closed.
     */
    public int closeIdle() {
        return closeIdle(IDLE_NANOS);
    }

    int closeIdle(long idleNanos) {
        long now = System.nanoTime();
        int closed = 0;
        for (Session s : idle) {
            // A session a sender has just taken is no longer in the deque, and stays open.
            if (now - s.lastUsed >= idleNanos && idle.removeFirstOccurrence(s)) {
                s.quit();
                closed++;
            }
        }
        return closed;
    }

    private Session reusable() {
        Session s;
        while ((s = idle.pollFirst()) != null) {
            if (System.nanoTime() - s.lastUsed < IDLE_NANOS) {
                return s;
            }
            s.quit();
        }
        return null;
    }

    private void keep(Session session) {
        session.lastUsed = System.nanoTime();
        if (closed) {
            session.quit();
        } else {
            idle.offerFirst(session);
        }
    }

    /** The message as DATA content: a dot starting a line is doubled (RFC 5321 4.5.2); ends with CRLF. */
    static void dotStuffed(OutputStream out, byte[] m) throws IOException {
        int start = 0;
        int i = 0;
        while (i < m.length) {
            // Eight bytes at a time while none is a dot: most of any message.
            if (i + 8 <= m.length && MimeEncoder.lacks(MimeEncoder.word(m, i), 0x2E2E2E2E2E2E2E2EL)) {
                i += 8;
                continue;
            }
            if (m[i] == '.' && (i == 0 || i >= 2 && m[i - 1] == '\n' && m[i - 2] == '\r')) {
                out.write(m, start, i - start);
                out.write('.');
                start = i;
            }
            i++;
        }
        out.write(m, start, m.length - start);
        if (m.length < 2 || m[m.length - 2] != '\r' || m[m.length - 1] != '\n') {
            out.write(CRLF);
        }
    }

    private static void requireAddress(String address) {
        if (address == null || address.isEmpty() || address.length() > 320) {
            throw new IllegalArgumentException("no usable address");
        }
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c <= ' ' || c >= 127 || c == '<' || c == '>') {
                throw new IllegalArgumentException("address with characters SMTP cannot carry: " + address);
            }
        }
    }

    private Session open() throws IOException {
        // No timeout on the socket itself, so it stays in blocking mode (Limits); implicit TLS is layered over it.
        Socket raw = new Socket();
        Limit limit = new Limit(raw, connectTimeoutMillis);
        try {
            // The connection, the TLS handshake, the greeting and the login must each come within the connect timeout.
            limit.run(() -> raw.connect(new InetSocketAddress(host, port)));
            raw.setTcpNoDelay(true);
            Socket socket = raw;
            if (tls == SmtpConfig.Tls.IMPLICIT) {
                SSLSocket ssl = (SSLSocket) tlsSockets.createSocket(raw, host, port, true);
                ssl.setUseClientMode(true);
                verifyHostName(ssl);
                limit.run(ssl::startHandshake);
                socket = ssl;
            }
            Session session = new Session(socket, limit);
            session.start();
            limit.millis = replyTimeoutMillis;
            return session;
        } catch (Rejected e) {
            // A refused greeting, TLS or login is the relay's set-up, not this message: retry later.
            limit.close();
            throw new IOException("the relay refused the session: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            limit.close();
            throw e;
        }
    }

    /** The relay's certificate must name the host we connect to, not just chain to a trusted CA. */
    private static void verifyHostName(SSLSocket ssl) {
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(parameters);
    }

    /** One connection to the relay; used by one thread at a time. */
    private final class Session {
        private Socket socket;
        private final Limit limit;
        private InputStream in;
        private OutputStream out;
        private boolean pipelining;
        private boolean size;
        private final List<String> authMechanisms = new ArrayList<>();
        boolean usable = true;
        boolean contentSent;
        long lastUsed = System.nanoTime();

        Session(Socket socket, Limit limit) throws IOException {
            this.limit = limit;
            attach(socket);
        }

        private void attach(Socket s) throws IOException {
            socket = s;
            in = new BufferedInputStream(new LimitedInput(s.getInputStream(), limit), 4096);
            out = new BufferedOutputStream(new LimitedOutput(s.getOutputStream(), limit), 32 * 1024);
        }

        void start() throws Rejected, IOException {
            expect(read(), 220);
            boolean startTls = hello();
            if (tls == SmtpConfig.Tls.REQUIRED && !startTls) {
                throw new IOException("the relay does not offer STARTTLS, and valjean.smtp.tls is REQUIRED");
            }
            if (startTls && (tls == SmtpConfig.Tls.REQUIRED || tls == SmtpConfig.Tls.OPTIONAL)) {
                expect(command("STARTTLS"), 220);
                SSLSocket ssl = (SSLSocket) tlsSockets.createSocket(socket, host, port, true);
                ssl.setUseClientMode(true);
                verifyHostName(ssl);
                limit.run(ssl::startHandshake);
                attach(ssl);
                hello();
            }
            if (username != null) {
                if (!(socket instanceof SSLSocket) && !allowPlainAuth) {
                    // A network that strips STARTTLS must not get the password: no AUTH on a plain session.
                    throw new IOException("the session is not encrypted, and valjean.smtp.allow-plain-auth is off:"
                            + " not sending the relay credentials");
                }
                authenticate();
            }
        }

        /** EHLO (HELO if refused); returns whether STARTTLS is offered. */
        private boolean hello() throws Rejected, IOException {
            Reply ehlo = command("EHLO " + heloName);
            pipelining = false;
            size = false;
            authMechanisms.clear();
            if (!ehlo.positive()) {
                expect(command("HELO " + heloName), 250);
                return false;
            }
            boolean startTls = false;
            for (String line : ehlo.text().split("\n")) {
                String capability = line.length() > 4 ? line.substring(4).strip().toUpperCase(Locale.ROOT) : "";
                pipelining |= capability.equals("PIPELINING");
                size |= capability.equals("SIZE") || capability.startsWith("SIZE ");
                startTls |= capability.equals("STARTTLS");
                if (capability.startsWith("AUTH ") || capability.startsWith("AUTH=")) {
                    authMechanisms.addAll(List.of(capability.substring(5).strip().split(" +")));
                }
            }
            return startTls;
        }

        private void authenticate() throws Rejected, IOException {
            String secret = password == null ? "" : password;
            Base64.Encoder b64 = Base64.getEncoder();
            if (authMechanisms.contains("PLAIN") || !authMechanisms.contains("LOGIN")) {
                String token = b64.encodeToString(("\0" + username + "\0" + secret).getBytes(StandardCharsets.UTF_8));
                expect(command("AUTH PLAIN " + token), 235);
            } else {
                expect(command("AUTH LOGIN"), 334);
                expect(command(b64.encodeToString(username.getBytes(StandardCharsets.UTF_8))), 334);
                expect(command(b64.encodeToString(secret.getBytes(StandardCharsets.UTF_8))), 235);
            }
        }

        private String envelope(String from, String to, int length) {
            return "MAIL FROM:<" + from + ">" + (size ? " SIZE=" + length : "") + "\r\nRCPT TO:<" + to + ">\r\nDATA\r\n";
        }

        /**
         * One mail transaction. {@code envelopeSent}: its envelope went out with the previous
         * message's dot, so only its replies are read here. When {@code next} is given it is asked
         * for the following message once this content is written, and with PIPELINING that
         * message's envelope goes in the same write as this dot ({@code following} gets it).
         */
        String transaction(String from, String to, byte[] message, EndOfData beforeEnd, boolean envelopeSent,
                java.util.function.Supplier<Outgoing> next, Outgoing[] following)
                throws Rejected, IOException, InterruptedException {
            contentSent = false;
            String mailFrom = "MAIL FROM:<" + from + ">" + (size ? " SIZE=" + message.length : "");
            String rcptTo = "RCPT TO:<" + to + ">";
            Reply mail;
            Reply rcpt;
            Reply data;
            if (pipelining) {
                if (!envelopeSent) {
                    ascii(envelope(from, to, message.length));
                    out.flush();
                }
                mail = read();
                rcpt = read();
                data = read();
            } else {
                mail = command(mailFrom);
                rcpt = mail.positive() ? command(rcptTo) : null;
                data = rcpt != null && rcpt.positive() ? command("DATA") : null;
            }
            Reply refusal = !mail.positive() ? mail : !rcpt.positive() ? rcpt : data.code == 354 ? null : data;
            if (refusal != null) {
                if (data != null && data.code == 354) {
                    // A relay that opened DATA despite a refused envelope gets an empty message, which it must not deliver.
                    ascii(".\r\n");
                    out.flush();
                    read();
                }
                reset();
                throw new Rejected(refusal);
            }
            contentSent = true;
            dotStuffed(out, message);
            if (next != null) {
                following[0] = next.get();
            }
            if (beforeEnd != EndOfData.NOW && !beforeEnd.tryNow()) {
                out.flush();
                try {
                    beforeEnd.await();
                } catch (IOException | InterruptedException | RuntimeException e) {
                    // No dot: closing the connection abandons the message.
                    usable = false;
                    throw e;
                }
            }
            ascii(".\r\n");
            if (pipelining && following != null && following[0] != null) {
                // RFC 2920 3.1: the content may be followed by commands in the same group.
                Outgoing f = following[0];
                ascii(envelope(f.from(), f.to(), f.message().length));
            }
            out.flush();
            Reply end;
            limit.millis = finalReplyTimeoutMillis;
            try {
                end = read();
            } finally {
                limit.millis = replyTimeoutMillis;
            }
            if (end.code != 250) {
                usable = end.code != 421;
                throw new Rejected(end);
            }
            return end.text();
        }

        private void reset() throws IOException {
            try {
                usable = command("RSET").code == 250;
            } catch (Rejected e) {
                usable = false;
            }
        }

        private Reply command(String line) throws Rejected, IOException {
            ascii(line + "\r\n");
            out.flush();
            return read();
        }

        private void ascii(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.UTF_8));
        }

        /** Reads one reply, all of its lines ("250-...", then "250 ..."). */
        private Reply read() throws Rejected, IOException {
            StringBuilder text = new StringBuilder();
            while (true) {
                String line = readLine();
                if (line.length() < 3 || !Character.isDigit(line.charAt(0))) {
                    usable = false;
                    throw new IOException("not an SMTP reply: " + line);
                }
                if (text.length() > 0) {
                    text.append('\n');
                }
                text.append(line);
                if (line.length() == 3 || line.charAt(3) != '-') {
                    int code = Integer.parseInt(line.substring(0, 3));
                    if (code == 421) {
                        usable = false;
                        throw new Rejected(new Reply(code, text.toString()));
                    }
                    return new Reply(code, text.toString());
                }
            }
        }

        private String readLine() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    int n = sb.length();
                    return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                }
                if (sb.length() < 2048) {
                    sb.append((char) c);
                }
            }
            usable = false;
            throw new IOException("the relay closed the connection");
        }

        private void expect(Reply reply, int code) throws Rejected {
            if (reply.code != code) {
                usable = false;
                throw new Rejected(reply);
            }
        }

        void quit() {
            try {
                if (usable) {
                    ascii("QUIT\r\n");
                    out.flush();
                }
            } catch (IOException e) {
                // closing anyway
            } finally {
                close();
            }
        }

        void close() {
            usable = false;
            limit.close();
        }
    }
}
