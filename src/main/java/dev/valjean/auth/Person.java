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

/** Someone who signs in to the console, with one role. */
@Entity
@Table(name = "person")
public class Person extends BaseEntity {

    public String email;
    @Column(name = "email_normalized")
    public String emailNormalized;
    public String name;
    @Enumerated(EnumType.STRING)
    public Role role;
    @Column(name = "password_hash")
    public String passwordHash;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "disabled_at")
    public Instant disabledAt;

    public static Optional<Person> findByEmail(String normalized) {
        return find("emailNormalized", normalized).firstResultOptional();
    }

    public static List<Person> listByName() {
        return list("order by lower(name), id");
    }

    public boolean isActive() {
        return disabledAt == null;
    }

    /** Whether the person has finished their invitation by choosing a password. */
    public boolean hasPassword() {
        return passwordHash != null;
    }
}
