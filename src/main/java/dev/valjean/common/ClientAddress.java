package dev.valjean.common;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.ConfigMapping;
import io.vertx.core.http.HttpServerRequest;

/**
 * The visitor's IP. {@code X-Forwarded-For} is ignored unless the connection comes from a
 * configured trusted proxy ({@code valjean.http.trusted-proxies}); then the client is the
 * right-most address in the header that is not itself a trusted proxy, so an entry the visitor
 * wrote at the left (nginx and AWS ALB append to what they receive) changes nothing.
 */
public final class ClientAddress {

    /** {@code valjean.http.*}: the reverse proxies whose X-Forwarded-For is believed. */
    @ConfigMapping(prefix = "valjean.http")
    public interface ProxyConfig {
        /** Addresses or CIDR ranges (10.0.0.0/8, fd00::/8) of the proxies in front of Valjean; none: no proxy is trusted. */
        Optional<List<String>> trustedProxies();
    }

    /** Reads the trusted proxies at start. */
    @Singleton
    static class Setup {
        void load(@Observes StartupEvent event, ProxyConfig config) {
            List<Cidr> cidrs = new ArrayList<>();
            config.trustedProxies().orElse(List.of()).stream().map(String::strip).filter(s -> !s.isEmpty())
                    .forEach(s -> cidrs.add(Cidr.parse(s)));
            trusted = List.copyOf(cidrs);
        }
    }

    private static volatile List<Cidr> trusted = List.of();

    private ClientAddress() {
    }

    public static String of(HttpServerRequest http) {
        return resolveWith(peerOf(http), http.headers().getAll("X-Forwarded-For"), trusted);
    }

    /**
     * The client of a connection from {@code peer} carrying these X-Forwarded-For headers, when
     * {@code proxies} (addresses or CIDR ranges) are trusted.
     */
    public static String resolve(String peer, List<String> forwardedFor, List<String> proxies) {
        return resolveWith(peer, forwardedFor, proxies.stream().map(Cidr::parse).toList());
    }

    private static String resolveWith(String peer, List<String> forwardedFor, List<Cidr> proxies) {
        if (proxies.isEmpty() || !isTrusted(peer, proxies)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String header : forwardedFor) {
            for (String hop : header.split(",")) {
                hops.add(hop.strip());
            }
        }
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = literal(hops.get(i));
            if (hop == null) {
                return peer; // a garbled chain: believe only the connection
            }
            if (!isTrusted(hop, proxies)) {
                return hop;
            }
        }
        return peer;
    }

    /** The address to count per-IP limits against: IPv4 as is, IPv6 by its /64 (one household or host). */
    public static String bucketOf(String ip) {
        if (ip == null || ip.indexOf(':') < 0) {
            return ip;
        }
        try {
            byte[] b = InetAddress.getByName(ip).getAddress();
            if (b.length == 4) {
                return InetAddress.getByAddress(b).getHostAddress();
            }
            return String.format("%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
        } catch (UnknownHostException e) {
            return ip;
        }
    }

    private static String peerOf(HttpServerRequest http) {
        var address = http.connection() != null && http.connection().remoteAddress() != null
                ? http.connection().remoteAddress()
                : http.remoteAddress();
        return address == null ? "unknown" : address.hostAddress();
    }

    private static boolean isTrusted(String ip, List<Cidr> proxies) {
        byte[] address = parse(ip);
        return address != null && proxies.stream().anyMatch(c -> c.contains(address));
    }

    /** The hop as a normalised IP literal, or null when it is not one (ports and brackets are dropped). */
    private static String literal(String hop) {
        String h = hop;
        if (h.startsWith("[") && h.indexOf(']') > 0) {
            h = h.substring(1, h.indexOf(']'));
        } else if (h.indexOf(':') > 0 && h.indexOf(':') == h.lastIndexOf(':') && h.indexOf('.') > 0) {
            h = h.substring(0, h.indexOf(':')); // IPv4 with a port
        }
        byte[] b = parse(h);
        if (b == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(b).getHostAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static final Pattern IP_CHARACTERS = Pattern.compile("[0-9a-fA-F:.]+");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** Bytes of an IP literal; never a DNS look-up (every request with a client address asks). */
    static byte[] parse(String ip) {
        if (ip == null || ip.isEmpty() || ip.length() > 45 || !IP_CHARACTERS.matcher(ip).matches()
                || (ip.indexOf(':') < 0 && !IPV4.matcher(ip).matches())) {
            return null;
        }
        try {
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An address range. */
    record Cidr(byte[] network, int bits) {
        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            byte[] address = ClientAddress.parse(slash < 0 ? text : text.substring(0, slash));
            if (address == null) {
                throw new IllegalArgumentException("valjean.http.trusted-proxies: not an address or range: " + text);
            }
            int bits = slash < 0 ? address.length * 8 : Integer.parseInt(text.substring(slash + 1));
            return new Cidr(address, bits);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((address[i / 8] & mask) != (network[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
