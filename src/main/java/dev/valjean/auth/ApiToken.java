package dev.valjean.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;

import dev.valjean.common.BaseEntity;
import dev.valjean.common.ValjeanException;

/** An API token, stored as the SHA-256 of the secret; the secret itself is shown once at creation. */
@Entity
@Table(name = "api_token")
public class ApiToken extends BaseEntity {

    public String name;
    @Enumerated(EnumType.STRING)
    public Role role;
    public String email;
    @Column(name = "token_hash")
    public String tokenHash;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "revoked_at")
    public Instant revokedAt;

    public static Optional<ApiToken> findByHash(String tokenHash) {
        return find("tokenHash", tokenHash).firstResultOptional();
    }

    public static List<ApiToken> listAll() {
        return list("order by id");
    }

    public static long countActiveAdmins() {
        return count("role = ?1 and revokedAt is null", Role.ADMIN);
    }

    public boolean isRevoked() {
        return revokedAt != null;
    }

    public void revoke(Instant at) {
        if (isRevoked()) {
            throw ValjeanException.conflict("TOKEN_ALREADY_REVOKED", "This token was revoked at " + revokedAt + ".");
        }
        revokedAt = at;
    }
}
