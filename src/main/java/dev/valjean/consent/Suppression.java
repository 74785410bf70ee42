package dev.valjean.consent;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/**
 * One reason an address must not be mailed. Keyed by the keyed hash of the normalized address so
 * that it outlives the erasure of the address itself.
 */
@Entity
@Table(name = "suppression")
@IdClass(Suppression.Key.class)
public class Suppression extends PanacheEntityBase {

    @Id
    @Column(name = "email_hash")
    public String emailHash;
    @Id
    @Enumerated(EnumType.STRING)
    public SuppressionReason reason;
    public String detail;
    @Column(name = "created_at")
    public Instant createdAt;

    public static List<Suppression> forHash(String emailHash) {
        return list("emailHash", emailHash);
    }

    public static class Key implements Serializable {
        public String emailHash;
        public SuppressionReason reason;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(emailHash, k.emailHash) && reason == k.reason;
        }

        @Override
        public int hashCode() {
            return Objects.hash(emailHash, reason);
        }
    }
}
