package dev.valjean.auth;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.Signing;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;
import io.quarkus.logging.Log;

@ApplicationScoped
public class ApiTokenService {

    @jakarta.inject.Inject
    dev.valjean.auth.AuditTrail audit;

    /** A created token: the secret is returned this once and never stored. */
    public record Issued(ApiToken token, String secret) {
    }

    /** A token that is not revoked, as a request's caller: what the filters and the audit trail need of it. */
    public record Verified(long id, String name, Role role, String email) {
    }

    private final Clock clock;
    private final Sql sql;

    public ApiTokenService(Clock clock, Sql sql) {
        this.clock = clock;
        this.sql = sql;
    }

    /**
     * The active token with this secret: looked up on every API request, in SQL rather than through
     * Hibernate (docs/BENCHMARKS.md); never cached, so a revocation holds from the next request.
     */
    public Optional<Verified> authenticate(String secret) {
        return Optional.ofNullable(active(sql.all(List.of(activeQuery(List.of(secret)))).get(0)).get(Signing.sha256(secret)));
    }

    /**
     * The query that finds the active tokens among these secrets, for {@link #active}: a request
     * that checks its token together with other reads (SignupBatches) sends it with them.
     */
    public static Sql.Query activeQuery(java.util.Collection<String> secrets) {
        return new Sql.Query("SELECT token_hash, id, name, role, email FROM api_token WHERE token_hash = ANY(?) AND revoked_at IS NULL",
                (Object) secrets.stream().map(Signing::sha256).distinct().toArray(String[]::new));
    }

    /** The tokens {@link #activeQuery} found, by the SHA-256 of their secrets ({@link Signing#sha256}). */
    public static java.util.Map<String, Verified> active(List<java.util.Map<String, Object>> rows) {
        java.util.Map<String, Verified> found = new java.util.HashMap<>();
        for (var r : rows) {
            found.put((String) r.get("token_hash"), new Verified(((Number) r.get("id")).longValue(), (String) r.get("name"),
                    Role.valueOf((String) r.get("role")), (String) r.get("email")));
        }
        return found;
    }

    @Transactional
    public Issued create(String name, Role role, String email) {
        String secret = "vj_" + Signing.randomToken(32);
        ApiToken token = insert(name, role, email, secret);
        audit.record("token.created", "token", token.id, java.util.Map.of("role", role.name()));
        return new Issued(token, secret);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ApiToken> list() {
        return ApiToken.listAll();
    }

    @Transactional
    public ApiToken revoke(long id) {
        ApiToken token = ApiToken.<ApiToken> findByIdOptional(id).orElseThrow(() -> ValjeanException.notFound("Token " + id));
        if (token.role == Role.ADMIN && !token.isRevoked() && ApiToken.countActiveAdmins() <= 1) {
            throw ValjeanException.conflict("LAST_ADMIN_TOKEN",
                    "This is the last active admin token; create another admin token before revoking it.");
        }
        token.revoke(clock.instant());
        audit.record("token.revoked", "token", token.id, java.util.Map.of());
        Log.infof("API token %d (%s) revoked", token.id, token.role);
        return token;
    }

    /** Makes sure the configured bootstrap admin token exists; a token revoked through the API stays revoked. */
    @Transactional
    public void ensureBootstrapAdmin(String secret) {
        Optional<ApiToken> existing = ApiToken.findByHash(Signing.sha256(secret));
        if (existing.isEmpty()) {
            insert("bootstrap admin", Role.ADMIN, null, secret);
            Log.info("Bootstrap admin token registered from VALJEAN_ADMIN_TOKEN");
        } else if (existing.get().isRevoked()) {
            Log.warn("VALJEAN_ADMIN_TOKEN was revoked through the API and stays revoked; set a new one to regain access");
        }
    }

    private ApiToken insert(String name, Role role, String email, String secret) {
        ApiToken token = new ApiToken();
        token.name = name;
        token.role = role;
        token.email = email;
        token.tokenHash = Signing.sha256(secret);
        token.createdAt = clock.instant();
        token.persist();
        return token;
    }
}
