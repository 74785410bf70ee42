package dev.valjean.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.support.TestSigning;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SigningTest {

    static final String MASTER = "a test signing key";

    final Signing signing = TestSigning.withKey(MASTER);

    /** HMAC-SHA256 from a Mac of its own, keyed afresh: what the reused Macs must agree with. */
    static byte[] reference(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    static String expectedSignature(String purpose, String data) throws Exception {
        byte[] subKey = reference(MASTER.getBytes(StandardCharsets.UTF_8), "valjean:" + purpose);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(reference(subKey, data), 16));
    }

    @Test
    void each_signature_is_the_hmac_under_its_purposes_sub_key_however_often_and_in_whatever_order_it_is_asked() throws Exception {
        // Alternating purposes and data on one thread: a Mac kept keyed between uses must not carry anything over.
        for (int i = 0; i < 3; i++) {
            for (String data : List.of("42", "", "a longer piece of data than one block of SHA-256, which is sixty-four bytes long")) {
                assertEquals(expectedSignature("unsubscribe", data), signing.sign("unsubscribe", data));
                assertEquals(expectedSignature("preferences", data), signing.sign("preferences", data));
            }
        }
        assertNotEquals(signing.sign("unsubscribe", "42"), signing.sign("preferences", "42"), "one use is never another's");
        assertTrue(signing.verify("unsubscribe", "42", expectedSignature("unsubscribe", "42")));
        assertFalse(signing.verify("preferences", "42", expectedSignature("unsubscribe", "42")));

        byte[] emailKey = reference(MASTER.getBytes(StandardCharsets.UTF_8), "valjean:email-hash");
        assertEquals(HexFormat.of().formatHex(reference(emailKey, "ann@example.com")), signing.emailHash("ann@example.com"));
        assertEquals(HexFormat.of().formatHex(reference("secret".getBytes(StandardCharsets.UTF_8), "1.body")),
                Signing.webhookSignature("secret", "1.body"));
    }

    @Test
    void threads_signing_at_once_each_get_the_right_signatures() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                all.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        String data = thread + ":" + i;
                        if (!expectedSignature("unsubscribe", data).equals(signing.sign("unsubscribe", data))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : all) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
