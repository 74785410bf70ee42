package dev.valjean.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small real SMTP server for failure cases GreenMail cannot play: a recipient whose local part
 * starts with "greylist" gets 451 on its first RCPT and is accepted after; one starting with
 * "reject" always gets 550 5.1.1 (no such mailbox), one starting with "blocked" 550 5.7.1 (the
 * sender is refused, as receivers say of a blocklisted sender). Everything else is accepted. It offers PIPELINING (RFC 2920) and, like
 * Postfix, refuses DATA when no recipient was accepted.
 */
public class ScriptedSmtpServer implements AutoCloseable {

    public final List<String> accepted = new CopyOnWriteArrayList<>();
    public final List<String> replies = new CopyOnWriteArrayList<>();
    /** Every command line received (not message content). */
    public final List<String> commands = new CopyOnWriteArrayList<>();
    /** How long the final reply to a message for a "slow..." recipient is held back. */
    public volatile long slowMillis = 2000;
    /** Connections accepted since the last reset. */
    public final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<String> greylisted = ConcurrentHashMap.newKeySet();
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-smtp");
        t.setDaemon(true);
        return t;
    });

    public ScriptedSmtpServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.submit(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    public void reset() {
        accepted.clear();
        replies.clear();
        greylisted.clear();
        commands.clear();
        connections.set(0);
        slowMillis = 2000;
    }

    /** Closes every client connection, as a relay does with idle clients. */
    public void dropConnections() throws IOException {
        for (Socket socket : open) {
            socket.close();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.incrementAndGet();
                open.add(socket);
                threads.submit(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            reply(out, "220 scripted ESMTP");
            String recipient = null;
            String line;
            while ((line = in.readLine()) != null) {
                commands.add(line);
                String upper = line.toUpperCase();
                if (upper.startsWith("EHLO") || upper.startsWith("HELO")) {
                    // Offers AUTH but not STARTTLS: what a client sees when a network strips STARTTLS.
                    reply(out, "250-scripted\r\n250-AUTH PLAIN LOGIN\r\n250 PIPELINING");
                } else if (upper.startsWith("AUTH")) {
                    reply(out, "235 2.7.0 authenticated");
                } else if (upper.startsWith("MAIL FROM")) {
                    recipient = null;
                    reply(out, "250 2.1.0 ok");
                } else if (upper.startsWith("RCPT TO")) {
                    String address = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                    if (address.startsWith("reject")) {
                        reply(out, "550 5.1.1 <" + address + "> mailbox unavailable");
                    } else if (address.startsWith("blocked")) {
                        reply(out, "550 5.7.1 <" + address + "> service unavailable; client host blocked using a blocklist");
                    } else if (address.startsWith("greylist") && greylisted.add(address)) {
                        reply(out, "451 4.7.1 <" + address + "> greylisted, try again later");
                    } else {
                        recipient = address;
                        reply(out, "250 2.1.5 ok");
                    }
                } else if (upper.equals("DATA") && recipient == null) {
                    reply(out, "503 5.5.1 no valid recipients");
                } else if (upper.equals("DATA")) {
                    reply(out, "354 go ahead");
                    while ((line = in.readLine()) != null && !line.equals(".")) {
                        // message content is not needed here
                    }
                    if (line == null) {
                        return; // closed before the final dot: like any relay, deliver nothing
                    }
                    accepted.add(recipient);
                    if (recipient.startsWith("slow")) {
                        try {
                            Thread.sleep(slowMillis);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    reply(out, "250 2.0.0 queued");
                } else if (upper.startsWith("RSET") || upper.startsWith("NOOP")) {
                    reply(out, "250 ok");
                } else if (upper.startsWith("QUIT")) {
                    reply(out, "221 bye");
                    return;
                } else {
                    reply(out, "502 5.5.2 not implemented");
                }
            }
        } catch (IOException e) {
            // client went away
        } finally {
            open.remove(socket);
        }
    }

    private void reply(OutputStream out, String text) throws IOException {
        replies.add(text);
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
