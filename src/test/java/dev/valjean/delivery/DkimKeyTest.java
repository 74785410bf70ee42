package dev.valjean.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DkimKeyTest {

    @TempDir
    Path dir;

    @Test
    void a_2048_bit_key_is_accepted() {
        var key = DkimSigner.readKey(Path.of("src/test/resources/dkim/test-dkim-private.pem"));
        assertEquals("RSA", key.getAlgorithm());
    }

    @Test
    void a_key_under_2048_bits_is_refused_with_its_size() throws Exception {
        Path small = pem(1024);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DkimSigner.readKey(small));
        assertTrue(e.getMessage().contains("1024 bits"), e.getMessage());
    }

    @Test
    void a_missing_or_garbled_key_file_is_refused() throws Exception {
        assertThrows(IllegalStateException.class, () -> DkimSigner.readKey(dir.resolve("absent.pem")));
        Path garbled = dir.resolve("garbled.pem");
        Files.writeString(garbled, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
        assertThrows(IllegalStateException.class, () -> DkimSigner.readKey(garbled));
    }

    private Path pem(int bits) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        byte[] der = generator.generateKeyPair().getPrivate().getEncoded();
        Path file = dir.resolve("key-" + bits + ".pem");
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(der)
                + "\n-----END PRIVATE KEY-----\n");
        return file;
    }
}
