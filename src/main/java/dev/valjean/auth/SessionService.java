package dev.valjean.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.ClientAddress;
import dev.valjean.common.EmailAddress;
import dev.valjean.common.Signing;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;
import io.quarkus.logging.Log;

/**
 * Console sessions: sign-in with a password (throttled per account and per address), a random
 * session token in an HttpOnly cookie whose hash is stored, idle and absolute time-outs, and
 * sign-out that ends the session in the database so its cookie is refused from then on.
 */
@ApplicationScoped
public class SessionService {

    public static final String COOKIE = "vj_session";

    /** A session just started: the secret goes into the cookie once. */
    public record Started(Person person, String token) {
    }

    /** A verified session. */
    public record Current(Person person, long sessionId, String tokenHash) {
    }

    private final Sql sql;
    private final Clock clock;
    private final ConsoleConfig config;
    private final PasswordHasher hasher;
    private final SignInThrottle throttle;
    private final AuditTrail audit;

    public SessionService(Sql sql, Clock clock, ConsoleConfig config, PasswordHasher hasher, SignInThrottle throttle, AuditTrail audit) {
        this.sql = sql;
        this.clock = clock;
        this.config = config;
        this.hasher = hasher;
        this.throttle = throttle;
        this.audit = audit;
    }

    /**
     * Signs in with email and password. 429 SIGN_IN_THROTTLED (with the wait) after repeated
     * failures on this account or from this address, before the password is even checked; 401
     * SIGN_IN_FAILED for a wrong address or password alike, so neither is revealed.
     */
    @Transactional
    public Started signIn(String email, String password, String clientAddress) {
        String normalized;
        try {
            normalized = EmailAddress.parse(email).normalized();
        } catch (ValjeanException e) {
            normalized = email == null ? "" : email.strip().toLowerCase();
        }
        String accountKey = SignInThrottle.accountKey(normalized);
        String addressKey = SignInThrottle.addressKey(ClientAddress.bucketOf(clientAddress));
        Duration wait = throttle.waitFor(List.of(accountKey, addressKey));
        if (!wait.isZero()) {
            long seconds = Math.max(1, wait.toSeconds() + (wait.toMillisPart() > 0 ? 1 : 0));
            throw new ValjeanException(429, "SIGN_IN_THROTTLED", "Too many attempts",
                    "Too many failed sign-ins. Wait " + seconds + (seconds == 1 ? " second" : " seconds") + " and try again.") {
                @Override
                public Long retryAfterSeconds() {
                    return seconds;
                }
            };
        }
        Optional<Person> person = Person.findByEmail(normalized).filter(Person::isActive);
        boolean ok = hasher.verify(password, person.map(p -> p.passwordHash).orElse(null));
        if (!ok) {
            throttle.failed(accountKey, addressKey);
            Log.infof("Console sign-in failed for an account%s", person.isPresent() ? "" : " that does not exist");
            throw new ValjeanException(401, "SIGN_IN_FAILED", "Sign-in failed", "That email address and password do not match an account.");
        }
        throttle.succeeded(accountKey);
        Started started = start(person.get());
        audit.record(new Actor(Actor.Kind.PERSON, person.get().id, label(person.get())), "session.signed_in", "person", person.get().id,
                Map.of("method", "password"));
        return started;
    }

    /** Starts a session for a person whose identity was proven another way (a single-use link). */
    @Transactional(Transactional.TxType.MANDATORY)
    public Started start(Person person) {
        Instant now = clock.instant();
        String token = Signing.randomToken(32);
        sql.update("INSERT INTO console_session (person_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                person.id, Signing.sha256(token), now, now, now.plus(config.sessionMaxAge()));
        return new Started(person, token);
    }

    /**
     * The cookie that carries a session: HttpOnly, SameSite=Strict, Secure outside dev and test, and
     * no max-age (it lives as long as the browser session; the server ends it on idle, age or
     * sign-out). An empty token makes the cookie that removes it.
     */
    public jakarta.ws.rs.core.NewCookie cookie(String token) {
        var builder = new jakarta.ws.rs.core.NewCookie.Builder(COOKIE).value(token == null ? "" : token).path("/").httpOnly(true)
                .secure(config.secureCookies()).sameSite(jakarta.ws.rs.core.NewCookie.SameSite.STRICT);
        if (token == null) {
            builder.maxAge(0);
        }
        return builder.build();
    }

    /** The session this cookie names, if it has not ended, expired or gone idle, and its person is active. */
    @Transactional
    public Optional<Current> current(String token) {
        if (token == null || token.isEmpty() || token.length() > 100) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        String hash = Signing.sha256(token);
        var rows = sql.rows("""
                SELECT s.id, s.person_id, s.last_seen_at FROM console_session s JOIN person p ON p.id = s.person_id
                WHERE s.token_hash = ? AND s.ended_at IS NULL AND s.expires_at > ? AND s.last_seen_at > ? AND p.disabled_at IS NULL""",
                hash, now, now.minus(config.sessionIdleTimeout()));
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        long id = ((Number) rows.get(0).get("id")).longValue();
        Instant lastSeen = (Instant) rows.get(0).get("last_seen_at");
        if (lastSeen.isBefore(now.minusSeconds(60))) {
            // At most one write a minute per session, not one per page.
            sql.update("UPDATE console_session SET last_seen_at = ? WHERE id = ?", now, id);
        }
        Person person = Person.findById(((Number) rows.get(0).get("person_id")).longValue());
        return Optional.of(new Current(person, id, hash));
    }

    /** Ends the session: its cookie is refused from now on, on every instance. */
    @Transactional
    public void signOut(long sessionId) {
        sql.update("UPDATE console_session SET ended_at = ? WHERE id = ? AND ended_at IS NULL", clock.instant(), sessionId);
        audit.record("session.signed_out", "session", sessionId, Map.of());
    }

    /** Ends every session of a person (after a password change or when they are disabled). */
    @Transactional(Transactional.TxType.MANDATORY)
    public int endAll(long personId) {
        return sql.update("UPDATE console_session SET ended_at = ? WHERE person_id = ? AND ended_at IS NULL", clock.instant(), personId);
    }

    static String label(Person p) {
        return p.name + " <" + p.email + ">";
    }
}
