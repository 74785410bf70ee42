package dev.valjean.contact;

import java.time.Instant;
import java.util.Optional;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

import dev.valjean.common.BaseEntity;

/** A person Valjean may write to, identified by the keyed hash of the normalized address. */
@Entity
@Table(name = "contact")
public class Contact extends BaseEntity {

    public String email;
    @Column(name = "email_normalized")
    public String emailNormalized;
    @Column(name = "email_hash")
    public String emailHash;
    public String name;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "erased_at")
    public Instant erasedAt;

    public static Optional<Contact> findByHash(String emailHash) {
        return find("emailHash", emailHash).firstResultOptional();
    }

    public boolean isErased() {
        return erasedAt != null;
    }
}
