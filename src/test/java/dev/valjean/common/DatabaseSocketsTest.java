package dev.valjean.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valjean.support.SmtpServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The pool's database connections read in blocking mode (DECISIONS 36): the socket's file descriptor,
 * found through the client port PostgreSQL reports, has no O_NONBLOCK flag. A connection made with the
 * driver's defaults is the control: its socket is non-blocking, so the probe can tell the two apart.
 * Linux only (it reads /proc), as the machines the tests run on.
 */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
class DatabaseSocketsTest {

    private static final int O_NONBLOCK = 04000;

    @Inject
    DataSource dataSource;

    @Test
    void poolConnectionsReadInBlockingMode() throws Exception {
        List<Connection> held = new ArrayList<>();
        try {
            // several at once, so that more than the one connection a single request would reuse is looked at
            for (int i = 0; i < 3; i++) {
                held.add(dataSource.getConnection());
            }
            for (Connection c : held) {
                int flags = descriptorFlags(clientPort(c));
                assertEquals(0, flags & O_NONBLOCK, "a pool connection's socket is non-blocking (flags " + Integer.toOctalString(flags) + ")");
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
    }

    @Test
    void theDriversDefaultsWouldMakeItNonBlocking() throws Exception {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        String user = ConfigProvider.getConfig().getValue("quarkus.datasource.username", String.class);
        try (Connection c = DriverManager.getConnection(url, user, "")) {
            int flags = descriptorFlags(clientPort(c));
            assertTrue((flags & O_NONBLOCK) != 0, "the control connection's socket is blocking: the probe tells nothing (flags "
                    + Integer.toOctalString(flags) + ")");
        }
    }

    @Test
    void aConnectionAttemptIsStillLimited() {
        // the answer to the SSL request has no time limit of its own; loginTimeout bounds the attempt as a whole
        String value = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.additional-jdbc-properties.loginTimeout", String.class);
        assertFalse(value.isBlank());
        assertTrue(Integer.parseInt(value) > 0, "loginTimeout " + value);
    }

    /** The connection's local port, as the server saw it. */
    private static int clientPort(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT inet_client_port()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The flags of this process's descriptor for the TCP socket bound to local {@code port}. */
    private static int descriptorFlags(int port) throws IOException {
        String inode = socketInode(port);
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                if (target.equals("socket:[" + inode + "]")) {
                    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))) {
                        if (line.startsWith("flags:")) {
                            return Integer.parseInt(line.substring("flags:".length()).trim(), 8);
                        }
                    }
                }
            }
        }
        throw new AssertionError("no descriptor of this process for socket inode " + inode + " (port " + port + ")");
    }

    /** The inode of the TCP socket whose local port is {@code port}, from /proc/net/tcp and tcp6. */
    private static String socketInode(int port) throws IOException {
        String hexPort = ":" + String.format(Locale.ROOT, "%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.exists(path)) {
                continue;
            }
            for (String line : Files.readAllLines(path)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(hexPort) && !f[9].equals("0")) {
                    return f[9];
                }
            }
        }
        throw new AssertionError("no TCP socket with local port " + port);
    }
}
