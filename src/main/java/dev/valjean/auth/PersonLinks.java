package dev.valjean.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.Signing;
import dev.valjean.common.Sql;

/** Single-use links mailed to people (invitation, password reset) or printed (dev sign-in); only their hash is stored. */
@ApplicationScoped
public class PersonLinks {

    public enum Purpose {
        INVITATION, RESET, SIGN_IN
    }

    /** A link just made: the secret token goes into the URL once and is never stored. */
    public record Issued(long id, String token, Instant expiresAt) {
    }

    /** A stored link that still works. */
    public record Valid(long id, long personId, Purpose purpose, Instant expiresAt) {
    }

    private final Sql sql;
    private final Clock clock;

    public PersonLinks(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public Issued issue(long personId, Purpose purpose, Duration validFor) {
        String token = Signing.randomToken(32);
        Instant now = clock.instant();
        Instant expires = now.plus(validFor);
        // A new link of the same kind replaces the older ones: only the latest invitation or reset works.
        sql.update("UPDATE person_link SET used_at = ? WHERE person_id = ? AND purpose = ? AND used_at IS NULL", now, personId, purpose);
        long id = sql.firstLong("INSERT INTO person_link (person_id, purpose, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) "
                + "RETURNING id", personId, purpose, Signing.sha256(token), now, expires).orElseThrow();
        return new Issued(id, token, expires);
    }

    /** The link this token names if it is unused, unexpired and of one of these purposes. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Valid> find(String token, Purpose... purposes) {
        if (token == null || token.length() > 100) {
            return Optional.empty();
        }
        return sql.rows("SELECT id, person_id, purpose, expires_at FROM person_link WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                Signing.sha256(token), clock.instant()).stream()
                .map(r -> new Valid(((Number) r.get("id")).longValue(), ((Number) r.get("person_id")).longValue(),
                        Purpose.valueOf((String) r.get("purpose")), (Instant) r.get("expires_at")))
                .filter(v -> java.util.Arrays.asList(purposes).contains(v.purpose()))
                .findFirst();
    }

    /** Marks the link used; false when someone else used it first (two tabs, two instances). */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean use(long linkId) {
        return sql.update("UPDATE person_link SET used_at = ? WHERE id = ? AND used_at IS NULL", clock.instant(), linkId) == 1;
    }
}
