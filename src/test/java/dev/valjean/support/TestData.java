package dev.valjean.support;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.auth.ApiTokenService;
import dev.valjean.auth.Role;
import dev.valjean.common.EmailAddress;
import dev.valjean.contact.Contact;
import dev.valjean.contact.ContactService;
import dev.valjean.delivery.OutboxMessage;
import dev.valjean.delivery.OutboxRequest;
import dev.valjean.delivery.OutboxService;
import dev.valjean.delivery.Purpose;
import dev.valjean.newsletter.Cadence;
import dev.valjean.newsletter.Newsletter;
import dev.valjean.newsletter.NewsletterService;
import javax.sql.DataSource;

/** Puts the database, the clock and the SMTP servers back to a known state, and makes test data. */
@ApplicationScoped
public class TestData {

    public static final String ADMIN = "test-admin-token";

    private final DataSource dataSource;
    private final ContactService contacts;
    private final OutboxService outbox;
    private final ApiTokenService tokens;
    private final MutableClock clock;
    private final NewsletterService newsletters;

    public TestData(DataSource dataSource, ContactService contacts, OutboxService outbox, ApiTokenService tokens,
            MutableClock clock, NewsletterService newsletters) {
        this.newsletters = newsletters;
        this.dataSource = dataSource;
        this.contacts = contacts;
        this.outbox = outbox;
        this.tokens = tokens;
        this.clock = clock;
    }

    public void reset() throws Exception {
        try (Connection c = owner(); Statement s = c.createStatement()) {
            // The ledger refuses TRUNCATE too; only the test reset lifts that, for the moment of the reset.
            s.execute("ALTER TABLE consent_event DISABLE TRIGGER consent_event_no_truncate");
            s.execute("TRUNCATE event_delivery, outbound_event, event_subscriber, provider_event_seen, bounce_event, bounce_report, embed_origin, embed_refusal, layout_version, audit_event, sign_in_throttle, console_session, person_link, person, crm_webhook_event, enrollment_step, nurture_opt_out, enrollment, sequence, sales_request, form_submission, form, opportunity_contact, opportunity, account, issue_fanout, issue, outbox_lease, outbox, suppression, consent_evidence, consent_event, subscription, subscription_request_item,"
                    + " subscription_request, used_challenge, request_window, contact, consent_text, newsletter RESTART IDENTITY CASCADE");
            s.execute("ALTER TABLE consent_event ENABLE TRIGGER consent_event_no_truncate");
            s.execute("DELETE FROM api_token WHERE name <> 'bootstrap admin'");
            s.execute("UPDATE api_token SET revoked_at = NULL");
            s.execute("UPDATE send_rate SET tokens = 0, refilled_at = now()");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        clock.reset();
        copyLayouts("nurture");
        copyLayouts("newsletter");
        io.quarkus.arc.Arc.container().instance(dev.valjean.delivery.ComposeReadiness.class).get().recheck();
        io.quarkus.arc.Arc.container().instance(dev.valjean.issue.IssueRenderer.class).get().clear();
        io.quarkus.arc.Arc.container().instance(dev.valjean.issue.IssueService.class).get().clearCounts();
        TestBasis.reset();
        SmtpServers.greenMail.purgeEmailFromAllMailboxes();
        SmtpServers.scripted.reset();
        SmtpServers.webhooks.reset();
    }

    /** The shipped layouts of one kind, fresh in the test layouts directory (tests may break their copies). */
    public static void copyLayouts(String kind) throws java.io.IOException {
        java.nio.file.Path to = java.nio.file.Path.of("target/test-layouts", kind);
        java.nio.file.Files.createDirectories(to);
        try (var shipped = java.nio.file.Files.list(java.nio.file.Path.of("templates", kind))) {
            for (java.nio.file.Path file : shipped.toList()) {
                java.nio.file.Files.copy(file, to.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** A request authenticated with the bootstrap admin token. */
    public io.restassured.specification.RequestSpecification request() {
        return io.restassured.RestAssured.given().auth().oauth2(ADMIN);
    }

    /** A weekly newsletter with the given slug and consent text version 1. */
    public Newsletter newsletter(String slug) {
        return newsletters.create(slug, new NewsletterService.Change("The " + slug + " letter", "Short notes about " + slug + ".",
                Cadence.WEEKLY, "Valjean News", "news@valjean.test", "Yes, send me the " + slug + " letter once a week. I can leave at any time."))
                .newsletter();
    }

    /** The single number a SELECT returns. */
    public long count(String sql) throws SQLException {
        return number(sql);
    }

    private long number(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public Contact contact(String email) {
        return contacts.findOrCreate(EmailAddress.parse(email), null);
    }

    public String token(Role role) {
        return tokens.create("test " + role, role, null).secret();
    }

    /** A list message relying on a revocable test basis with the given id. */
    public OutboxMessage enqueueListMail(String email, long basisId, String key) {
        Contact contact = contact(email);
        return outbox.enqueue(OutboxRequest.of(key, Purpose.NEWSLETTER, TestBasis.TYPE, basisId, contact.id,
                "Issue 1: three short things", "Hello,\n\nthree short things.\n", "<p>Hello,</p><p>three short things.</p>")
                .asListMail("weekly.valjean.test", "Weekly", "https://valjean.test/unsubscribe/abc"));
    }

    /** A plain message relying on a revocable test basis with the given id. */
    public OutboxMessage enqueue(String email, long basisId, String key) {
        Contact contact = contact(email);
        return outbox.enqueue(OutboxRequest.of(key, Purpose.TRANSACTIONAL, TestBasis.TYPE, basisId, contact.id,
                "Message " + key, "Text of " + key + "\n", "<p>HTML of " + key + "</p>"));
    }

    /** The first column of the first row a SELECT returns, as text (null when there is no row). */
    @jakarta.inject.Inject
    dev.valjean.delivery.MessageIds messageIds;

    /**
     * The Message-ID the first outbox row ({@code o}, its contact {@code c}) matching {@code condition}
     * was or will be sent with: rows store none, their id gives it.
     */
    public String messageIdOf(String condition) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT o.id, o.message_id FROM outbox o JOIN contact c ON c.id = o.contact_id WHERE "
                        + condition + " ORDER BY o.id LIMIT 1")) {
            if (!rs.next()) {
                throw new IllegalStateException("no outbox row where " + condition);
            }
            return messageIds.of(rs.getLong(1), rs.getString(2));
        }
    }

    public String text(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /**
     * A connection as the schema's owner (what Flyway migrates as), for what the application's own
     * role may not do: the reset's TRUNCATE, and tests that install triggers to inject faults.
     */
    public static Connection owner() throws SQLException {
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        String url = config.getOptionalValue("quarkus.flyway.jdbc-url", String.class)
                .orElse(config.getValue("quarkus.datasource.jdbc.url", String.class));
        String user = config.getValue("quarkus.flyway.username", String.class);
        String password = config.getOptionalValue("quarkus.flyway.password", String.class).orElse("");
        return java.sql.DriverManager.getConnection(url, user, password);
    }

    /** Runs a statement as the schema's owner. */
    public void executeAsOwner(String sql) throws SQLException {
        try (Connection c = owner(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Runs a statement as the application's database user would (for tests of database-level rules). */
    public void execute(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @jakarta.transaction.Transactional
    public OutboxMessage reload(long id) {
        return outbox.find(id).orElseThrow();
    }
}
