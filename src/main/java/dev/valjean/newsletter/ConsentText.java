package dev.valjean.newsletter;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

import dev.valjean.common.BaseEntity;

/** One version of the consent text shown on a newsletter's forms. Never changed once written (the database refuses). */
@Entity
@Table(name = "consent_text")
public class ConsentText extends BaseEntity {

    @Column(name = "newsletter_id")
    public Long newsletterId;
    public int version;
    public String text;
    @Column(name = "created_at")
    public Instant createdAt;

    public static Optional<ConsentText> current(long newsletterId) {
        return find("newsletterId = ?1 order by version desc", newsletterId).firstResultOptional();
    }

    public static List<ConsentText> history(long newsletterId) {
        return list("newsletterId = ?1 order by version", newsletterId);
    }
}
