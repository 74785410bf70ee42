package dev.valjean.console;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.jboss.resteasy.reactive.RestForm;

import dev.valjean.auth.ApiToken;
import dev.valjean.auth.ApiTokenService;
import dev.valjean.auth.Authorized;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.common.EmailAddress;
import dev.valjean.common.SecretsConfig;
import dev.valjean.common.ValjeanException;
import dev.valjean.delivery.DkimSigner;
import dev.valjean.delivery.OutboxRepository;
import dev.valjean.delivery.SmtpConfig;
import dev.valjean.delivery.SmtpHealthCheck;
import dev.valjean.delivery.SmtpSubmitter;
import dev.valjean.mail.MailConfig;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/**
 * Operations (admins): the outbox right now, the relay's health, recent failures with the relay's
 * reply; the sending identity with the DKIM record to publish and the checks that need no
 * network; and API tokens (the secret shown once).
 */
@Path("/console/operations")
@ConsolePage
@Authorized(Role.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class OperationsPages {

    /** The relay as the readiness check sees it. */
    public record Relay(boolean up, String detail) {
    }

    /** How Valjean signs and sends: From, and the DKIM record derived from the configured key (null when signing is off). */
    public record Identity(String from, String dkimName, String dkimRecord, List<String> dkimZoneStrings, Integer keyBits) {
    }

    /** One check of the set-up: what is checked, whether it holds, and what to do when it does not. */
    public record Check(String what, boolean ok, String advice) {
    }

    /** A token just created: its secret, shown on this page only. */
    public record Created(String name, String secret) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance operations(Frame frame, OutboxRepository.Now outbox, Relay relay, Identity identity, List<Check> checks,
                List<ApiToken> tokens, Created created, String error, List<Refusal> refusals, List<dev.valjean.events.EventSubscribers.SubscriberView> subscribers,
                List<String> eventTypes, dev.valjean.events.EventSubscribers.SubscriberView newSubscriber);
    }

    @Inject
    OutboxRepository outbox;
    @Inject
    @org.eclipse.microprofile.health.Readiness
    SmtpHealthCheck relay;
    @Inject
    SmtpSubmitter submitter;
    @Inject
    SmtpConfig smtp;
    @Inject
    MailConfig mail;
    @Inject
    SecretsConfig secrets;
    @Inject
    ApiTokenService tokens;
    @Inject
    Frames frames;
    @Inject
    Clock clock;
    @Inject
    dev.valjean.common.Sql sql;
    @Inject
    dev.valjean.events.EventSubscribers subscribers;

    /** Adds an event subscriber; its secret is shown in this answer only. */
    @POST
    @Path("subscribers")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response addSubscriber(@RestForm String url, @RestForm("events") List<String> events, @RestForm String secret) {
        try {
            var created = subscribers.create(url, events, secret == null || secret.isBlank() ? null : secret.strip());
            return Response.ok(page(null, null, created).render()).build();
        } catch (ValjeanException e) {
            return PageResponse.of(e.status, page(null, e.getMessage()));
        }
    }

    @POST
    @Path("subscribers/{id}/resume")
    public Response resumeSubscriber(@PathParam("id") long id) {
        try {
            subscribers.resume(id);
        } catch (ValjeanException e) {
            return PageResponse.of(e.status, page(null, e.getMessage()));
        }
        return Response.seeOther(java.net.URI.create("/console/operations#subscribers")).build();
    }

    @POST
    @Path("subscribers/{id}/delete")
    public Response deleteSubscriber(@PathParam("id") long id) {
        try {
            subscribers.delete(id);
        } catch (ValjeanException e) {
            return PageResponse.of(e.status, page(null, e.getMessage()));
        }
        return Response.seeOther(java.net.URI.create("/console/operations#subscribers")).build();
    }

    /** Refusals of the sender or the message over the last week, by reason: the sender's reputation or set-up failing. */
    public record Refusal(String reason, long count) {
    }

    private List<Refusal> refusals() {
        java.time.Instant since = clock.instant().minus(java.time.Duration.ofDays(7));
        List<Refusal> out = new java.util.ArrayList<>(sql.rows("""
                SELECT reason, count(*) AS n FROM bounce_event WHERE about_sender AND occurred_at > ? GROUP BY reason ORDER BY n DESC, reason""",
                since).stream().map(r -> new Refusal(r.get("reason") + " (reported)", ((Number) r.get("n")).longValue())).toList());
        long sync = sql.firstLong("""
                SELECT count(*) FROM outbox WHERE status = 'FAILED' AND updated_at > ? AND last_reply ~ '^5[0-9][0-9][ -]5\\.7\\.'""", since)
                .orElse(0L);
        if (sync > 0) {
            out.add(new Refusal("refused at submission (5.7.x)", sync));
        }
        return out;
    }

    @GET
    public TemplateInstance page() {
        return page(null, null);
    }

    @POST
    @Path("tokens")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response createToken(@RestForm String name, @RestForm String role, @RestForm String email) {
        try {
            if (name == null || name.isBlank() || name.length() > 100) {
                throw ValjeanException.invalid("TOKEN_NAME", "Name the token (at most 100 characters): what system uses it.");
            }
            Role chosen;
            try {
                chosen = Role.valueOf(role == null ? "" : role);
            } catch (IllegalArgumentException e) {
                throw ValjeanException.invalid("TOKEN_ROLE", "Choose what the token may do.");
            }
            String owner = email == null || email.isBlank() ? null : EmailAddress.parse(email).normalized();
            ApiTokenService.Issued issued = tokens.create(name.strip(), chosen, owner);
            // Shown in this answer only (never in a URL or a log); the database keeps its hash.
            return Response.ok(page(new Created(issued.token().name, issued.secret()), null).render()).build();
        } catch (ValjeanException e) {
            return PageResponse.of(e.status, page(null, e.getMessage()));
        }
    }

    @POST
    @Path("tokens/{id}/revoke")
    public Response revoke(@PathParam("id") long id) {
        try {
            tokens.revoke(id);
        } catch (ValjeanException e) {
            return PageResponse.of(e.status, page(null, e.getMessage()));
        }
        return Response.seeOther(java.net.URI.create("/console/operations#tokens")).build();
    }

    private TemplateInstance page(Created created, String error) {
        return page(created, error, null);
    }

    private TemplateInstance page(Created created, String error, dev.valjean.events.EventSubscribers.SubscriberView newSubscriber) {
        HealthCheckResponse health = relay.call();
        String detail = health.getData().map(d -> d.entrySet().stream().filter(e -> !"dkim".equals(e.getKey()))
                .map(e -> e.getKey() + ": " + e.getValue()).reduce((a, b) -> a + " · " + b).orElse("")).orElse("");
        Optional<DkimSigner> dkim = submitter.dkim();
        Identity identity = new Identity(smtp.from(), dkim.map(DkimSigner::dnsName).orElse(null), dkim.map(DkimSigner::txtRecord).orElse(null),
                dkim.map(d -> zoneStrings(d.txtRecord())).orElse(List.of()), dkim.map(DkimSigner::keyBits).orElse(null));
        return Templates.operations(frames.of("Operations", "operations", "Operations"), outbox.now(clock.instant()),
                new Relay(health.getStatus() == HealthCheckResponse.Status.UP, detail), identity, checks(dkim), tokens.list(), created, error,
                refusals(), subscribers.list(), dev.valjean.events.Events.TYPES, newSubscriber);
    }

    private List<Check> checks(Optional<DkimSigner> dkim) {
        List<Check> checks = new ArrayList<>();
        String url = secrets.publicUrl();
        checks.add(new Check("The public URL (links in every email) is https", url.startsWith("https://"),
                "Set VALJEAN_PUBLIC_URL to the https address readers reach; it is " + url + "."));
        checks.add(new Check("A postal address is printed in every email", mail.postalAddress().filter(a -> !a.isBlank()).isPresent(),
                "Set VALJEAN_MAIL_POSTAL_ADDRESS (CAN-SPAM asks for one), or give each newsletter its own."));
        checks.add(new Check("Mail is DKIM-signed with a key of at least 2048 bits", dkim.map(d -> d.keyBits() >= 2048).orElse(false),
                "Set VALJEAN_DKIM_KEY_FILE, VALJEAN_DKIM_DOMAIN and VALJEAN_DKIM_SELECTOR, then publish the record shown here."));
        String fromDomain = dev.valjean.delivery.OutboxService.domainOf(smtp.from());
        checks.add(new Check("The DKIM domain aligns with the From domain (DMARC)", dkim.map(d -> aligned(d.dnsName(), fromDomain)).orElse(false),
                "Sign with the From address's domain (" + fromDomain + ") or a parent of it, so DMARC passes on DKIM."));
        checks.add(new Check("Mail goes to a relay, not only the log", !smtp.logOnly(), "valjean.smtp.log-only is on: nothing is delivered."));
        return checks;
    }

    private static boolean aligned(String dkimName, String fromDomain) {
        String d = dkimName.substring(dkimName.indexOf("._domainkey.") + "._domainkey.".length()).toLowerCase(java.util.Locale.ROOT);
        return fromDomain.equals(d) || fromDomain.endsWith("." + d);
    }

    /** A TXT value as DNS zone files need it: character strings of at most 255 characters each (RFC 1035 3.3). */
    static List<String> zoneStrings(String value) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < value.length(); i += 255) {
            parts.add(value.substring(i, Math.min(value.length(), i + 255)));
        }
        return parts;
    }
}
