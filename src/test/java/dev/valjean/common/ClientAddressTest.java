package dev.valjean.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** Which address is the visitor's: the connection's, or a forwarded one only through a trusted proxy. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ClientAddressTest {

    @Test
    void a_forwarded_header_is_ignored_when_no_proxy_is_trusted() {
        assertEquals("203.0.113.9", ClientAddress.resolve("203.0.113.9", List.of("198.51.100.1"), List.of()));
    }

    @Test
    void a_forwarded_header_from_a_connection_that_is_not_a_trusted_proxy_is_ignored() {
        assertEquals("203.0.113.9", ClientAddress.resolve("203.0.113.9", List.of("198.51.100.1"), List.of("10.0.0.0/8")));
    }

    @Test
    void behind_an_appending_proxy_the_right_most_untrusted_hop_is_the_client_whatever_the_visitor_wrote() {
        // The visitor sent "X-Forwarded-For: 1.2.3.4"; nginx appended the address it saw.
        assertEquals("198.51.100.7", ClientAddress.resolve("10.0.0.5", List.of("1.2.3.4, 198.51.100.7"), List.of("10.0.0.0/8")));
        // Two proxies in a row, both trusted.
        assertEquals("198.51.100.7",
                ClientAddress.resolve("10.0.0.5", List.of("1.2.3.4, 198.51.100.7, 10.1.2.3"), List.of("10.0.0.0/8")));
        // The header split over two lines counts as one list.
        assertEquals("198.51.100.7", ClientAddress.resolve("10.0.0.5", List.of("1.2.3.4", "198.51.100.7"), List.of("10.0.0.0/8")));
    }

    @Test
    void a_garbled_forwarded_chain_falls_back_to_the_connection() {
        assertEquals("10.0.0.5", ClientAddress.resolve("10.0.0.5", List.of("1.2.3.4, evil.example"), List.of("10.0.0.0/8")));
        assertEquals("10.0.0.5", ClientAddress.resolve("10.0.0.5", List.of(), List.of("10.0.0.0/8")));
    }

    @Test
    void ipv6_forwarded_hops_with_brackets_and_ports_are_read() {
        assertEquals("2001:db8:0:0:0:0:0:1", ClientAddress.resolve("::1", List.of("[2001:db8::1]:4711"), List.of("::1")));
        assertEquals("198.51.100.7", ClientAddress.resolve("127.0.0.1", List.of("198.51.100.7:5555"), List.of("127.0.0.1")));
    }

    @Test
    void per_ip_limits_count_ipv6_by_its_64_bit_prefix_and_ipv4_by_address() {
        assertEquals(ClientAddress.bucketOf("2001:db8:1:2:aaaa::1"), ClientAddress.bucketOf("2001:db8:1:2:ffff:1:2:3"));
        assertEquals("2001:0db8:0001:0002::/64", ClientAddress.bucketOf("2001:db8:1:2::9"));
        assertEquals("198.51.100.7", ClientAddress.bucketOf("198.51.100.7"));
        assertEquals(false, ClientAddress.bucketOf("2001:db8:1:2::1").equals(ClientAddress.bucketOf("2001:db8:1:3::1")));
    }
}
