package dev.valjean.support;

import java.util.Optional;

import dev.valjean.common.SecretsConfig;
import dev.valjean.common.Signing;

/** A {@link Signing} under a given key, for tests that need no running server. */
public final class TestSigning {

    private TestSigning() {
    }

    public static Signing withKey(String key) {
        return new Signing(new SecretsConfig() {
            @Override
            public String publicUrl() {
                return "https://news.example.com";
            }

            @Override
            public Optional<String> adminToken() {
                return Optional.empty();
            }

            @Override
            public Optional<String> signingKey() {
                return Optional.of(key);
            }
        });
    }
}
