package dev.valjean.console;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.auth.Actor;
import dev.valjean.auth.AuditTrail;
import dev.valjean.auth.ConsoleConfig;
import dev.valjean.auth.PasswordHasher;
import dev.valjean.auth.Person;
import dev.valjean.auth.PersonLinks;
import dev.valjean.auth.Role;
import dev.valjean.auth.SessionService;
import dev.valjean.auth.SsoConfig;
import dev.valjean.common.EmailAddress;
import dev.valjean.common.Text;
import dev.valjean.common.ValjeanException;
import dev.valjean.contact.ContactService;
import dev.valjean.delivery.OutboxRequest;
import dev.valjean.delivery.OutboxService;
import dev.valjean.delivery.Purpose;
import dev.valjean.mail.Links;
import io.quarkus.logging.Log;

/**
 * The people who use the console: invitations by an admin (a single-use link by email, through
 * the outbox), choosing a password from that link, and password resets.
 */
@ApplicationScoped
public class PeopleService {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    @jakarta.inject.Inject
    java.time.Clock clock;

    private final ContactService contacts;
    private final OutboxService outbox;
    private final PersonLinks personLinks;
    private final PasswordHasher hasher;
    private final SessionService sessions;
    private final AuditTrail audit;
    private final ConsoleConfig config;
    private final Links links;
    private final SsoConfig sso;

    public PeopleService(ContactService contacts, OutboxService outbox, PersonLinks personLinks, PasswordHasher hasher,
            SessionService sessions, AuditTrail audit, ConsoleConfig config, Links links, SsoConfig sso) {
        this.contacts = contacts;
        this.outbox = outbox;
        this.personLinks = personLinks;
        this.hasher = hasher;
        this.sessions = sessions;
        this.audit = audit;
        this.config = config;
        this.links = links;
        this.sso = sso;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Person> list() {
        return Person.listByName();
    }

    /**
     * Gives someone another role; it applies from their next request. Nobody changes their own
     * role, and the last active admin stays an admin.
     */
    @Transactional
    public Person changeRole(long id, Role role, Long actingPersonId) {
        Person person = someoneElse(id, actingPersonId, "change your own role");
        if (role == null || !role.forPeople()) {
            throw ValjeanException.field("ROLE_REQUIRED", "role", "Choose a role.");
        }
        if (person.role == Role.ADMIN && role != Role.ADMIN) {
            keepAnAdmin(person);
        }
        if (person.role != role) {
            audit.record("person.role_changed", "person", person.id, Map.of("from", person.role.name(), "to", role.name()));
            person.role = role;
        }
        return person;
    }

    /** Deactivates someone: their sessions end on every instance and they cannot sign in; reactivating lets them again. */
    @Transactional
    public Person setActive(long id, boolean active, Long actingPersonId) {
        Person person = someoneElse(id, actingPersonId, active ? "reactivate yourself" : "deactivate yourself");
        if (!active && person.isActive()) {
            if (person.role == Role.ADMIN) {
                keepAnAdmin(person);
            }
            person.disabledAt = clock.instant();
            sessions.endAll(person.id);
            audit.record("person.deactivated", "person", person.id, Map.of());
        } else if (active && !person.isActive()) {
            person.disabledAt = null;
            audit.record("person.reactivated", "person", person.id, Map.of());
        }
        return person;
    }

    private static Person someoneElse(long id, Long actingPersonId, String what) {
        Person person = Person.<Person> findByIdOptional(id).orElseThrow(() -> ValjeanException.notFound("This person"));
        if (actingPersonId != null && actingPersonId == id) {
            throw ValjeanException.conflict("NOT_YOURSELF", "You cannot " + what + "; another admin can.");
        }
        return person;
    }

    private static void keepAnAdmin(Person leaving) {
        long others = Person.count("role = ?1 and disabledAt is null and id <> ?2", Role.ADMIN, leaving.id);
        if (others == 0) {
            throw ValjeanException.conflict("LAST_ADMIN", leaving.name + " is the last active admin; make someone else an admin first.");
        }
    }

    /** Invites someone: a person without a password yet, and an email with a link to choose one (valid 72 hours). */
    @Transactional
    public Person invite(String email, String name, Role role, String invitedBy) {
        EmailAddress address = EmailAddress.parseField("email", email);
        if (name == null || name.isBlank() || name.strip().length() > 200) {
            throw ValjeanException.field("NAME_INVALID", "name", "Give a name of 1 to 200 characters.");
        }
        if (role == null || !role.forPeople()) {
            throw ValjeanException.field("ROLE_INVALID", "role", "Choose a role.");
        }
        if (Person.findByEmail(address.normalized()).isPresent()) {
            throw ValjeanException.field("PERSON_EXISTS", "email", "Someone with this address already has an account.");
        }
        Person person = new Person();
        person.email = address.typed();
        person.emailNormalized = address.normalized();
        person.name = name.strip();
        person.role = role;
        person.createdAt = java.time.Instant.now();
        person.persist();
        PersonLinks.Issued link = personLinks.issue(person.id, PersonLinks.Purpose.INVITATION, config.invitationValidFor());
        String url = links.base() + "/console/invitation/" + link.token();
        long hours = config.invitationValidFor().toHours();
        mail(person, address, link, "invitation", "You are invited to Valjean",
                invitedBy + " invited you to Valjean as " + roleName(role) + ".\n\nChoose your password here (the link works once, for "
                        + hours + " hours, until " + WHEN.format(link.expiresAt()) + "):\n\n" + url + "\n",
                "<p>" + Text.escapeHtml(invitedBy) + " invited you to Valjean as " + roleName(role) + ".</p><p><a href=\""
                        + Text.escapeHtml(url) + "\">Choose your password</a></p><p>The link works once, for " + hours
                        + " hours, until " + WHEN.format(link.expiresAt()) + ".</p>");
        audit.record("person.invited", "person", person.id, Map.of("role", role.name()));
        Log.infof("Person %d invited as %s", person.id, role);
        return person;
    }

    /** Sends a password-reset link when the address has an active account; says nothing either way. */
    @Transactional
    public void requestReset(String email) {
        EmailAddress address;
        try {
            address = EmailAddress.parse(email);
        } catch (ValjeanException e) {
            return;
        }
        Optional<Person> person = Person.findByEmail(address.normalized()).filter(Person::isActive);
        if (person.isEmpty()) {
            return;
        }
        PersonLinks.Issued link = personLinks.issue(person.get().id, PersonLinks.Purpose.RESET, config.resetValidFor());
        String url = links.base() + "/console/password-reset/" + link.token();
        long minutes = config.resetValidFor().toMinutes();
        mail(person.get(), address, link, "reset", "Reset your Valjean password",
                "Someone (we hope you) asked to reset your Valjean password. Choose a new one here (the link works once, for "
                        + minutes + " minutes):\n\n" + url + "\n\nIf it was not you, ignore this email: nothing changes.\n",
                "<p>Someone (we hope you) asked to reset your Valjean password.</p><p><a href=\"" + Text.escapeHtml(url)
                        + "\">Choose a new password</a></p><p>The link works once, for " + minutes
                        + " minutes. If it was not you, ignore this email: nothing changes.</p>");
        audit.record(Actor.VISITOR, "person.reset_requested", "person", person.get().id, Map.of());
    }

    /** The person a still-valid invitation or reset link belongs to. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Person> personOfLink(String token) {
        return personLinks.find(token, PersonLinks.Purpose.INVITATION, PersonLinks.Purpose.RESET).map(l -> Person.findById(l.personId()));
    }

    /**
     * Sets the password from an invitation or reset link, uses the link up, ends the person's other
     * sessions and starts a new one. 422 PASSWORD_WEAK / PASSWORD_MISMATCH beside the field; 410
     * LINK_EXPIRED when the link no longer works.
     */
    @Transactional
    public SessionService.Started choosePassword(String token, String password, String repeat) {
        PersonLinks.Valid link = personLinks.find(token, PersonLinks.Purpose.INVITATION, PersonLinks.Purpose.RESET)
                .orElseThrow(PeopleService::expired);
        String problem = PasswordHasher.problemWith(password);
        if (problem != null) {
            throw ValjeanException.field("PASSWORD_WEAK", "password", problem);
        }
        if (!password.equals(repeat)) {
            throw ValjeanException.field("PASSWORD_MISMATCH", "repeat", "The two passwords are not the same.");
        }
        if (!personLinks.use(link.id())) {
            throw expired();
        }
        Person person = Person.findById(link.personId());
        person.passwordHash = hasher.hash(password);
        sessions.endAll(person.id);
        audit.record(new Actor(Actor.Kind.PERSON, person.id, person.name + " <" + person.email + ">"), "person.password_set", "person",
                person.id, Map.of("via", link.purpose().name().toLowerCase()));
        return sessions.start(person);
    }

    /**
     * Signs in someone the identity provider vouched for: their address (verified), their name,
     * and the role its claim names. A person is created on first sign-in and takes the claim's
     * role every time, so the provider stays the one place roles are given; disabled people stay out.
     */
    @Transactional
    public SessionService.Started signInWithSso(String email, String name, Object roleClaim, boolean emailVerified) {
        if (email == null || !emailVerified) {
            throw ValjeanException.forbidden("The identity provider did not give a verified email address.");
        }
        EmailAddress address = EmailAddress.parse(email);
        Role role = highestRole(roleClaim);
        if (role == null || !role.forPeople()) {
            throw ValjeanException.forbidden("Your account has no Valjean role. Ask whoever manages your company's sign-in to give you one ("
                    + sso.roleClaim() + ": ADMIN, EDITOR or SALES).");
        }
        Person person = Person.findByEmail(address.normalized()).orElseGet(() -> {
            Person p = new Person();
            p.email = address.typed();
            p.emailNormalized = address.normalized();
            p.name = name == null || name.isBlank() ? address.typed() : name.strip().substring(0, Math.min(200, name.strip().length()));
            p.createdAt = java.time.Instant.now();
            p.role = role;
            p.persist();
            return p;
        });
        if (!person.isActive()) {
            throw ValjeanException.forbidden("This account is disabled in Valjean.");
        }
        person.role = role;
        audit.record(new Actor(Actor.Kind.PERSON, person.id, person.name + " <" + person.email + ">"), "session.signed_in", "person",
                person.id, Map.of("method", "sso", "role", role.name()));
        return sessions.start(person);
    }

    /** The claim that carries the role. */
    public String roleClaim() {
        return sso.roleClaim();
    }

    /** The strongest role a claim names (a string, or a list of strings), or null. */
    static Role highestRole(Object claim) {
        List<String> values = new java.util.ArrayList<>();
        if (claim instanceof java.util.Collection<?> many) {
            many.forEach(v -> values.add(String.valueOf(v).replace("\"", "")));
        } else if (claim instanceof jakarta.json.JsonArray array) {
            array.forEach(v -> values.add(v.toString().replace("\"", "")));
        } else if (claim != null) {
            values.add(claim.toString().replace("\"", ""));
        }
        for (Role r : new Role[] { Role.ADMIN, Role.EDITOR, Role.SALES }) {
            if (values.stream().anyMatch(v -> v.strip().equalsIgnoreCase(r.name()))) {
                return r;
            }
        }
        return null;
    }

    /** Signs in with a printed single-use link (dev mode only creates them). */
    @Transactional
    public Optional<SessionService.Started> signInWithLink(String token) {
        Optional<PersonLinks.Valid> link = personLinks.find(token, PersonLinks.Purpose.SIGN_IN);
        if (link.isEmpty() || !personLinks.use(link.get().id())) {
            return Optional.empty();
        }
        Person person = Person.findById(link.get().personId());
        audit.record(new Actor(Actor.Kind.PERSON, person.id, person.name + " <" + person.email + ">"), "session.signed_in", "person",
                person.id, Map.of("method", "link"));
        return Optional.of(sessions.start(person));
    }

    private void mail(Person person, EmailAddress address, PersonLinks.Issued link, String kind, String subject, String text, String html) {
        var contact = contacts.findOrCreate(address, person.name);
        outbox.enqueue(OutboxRequest.of("person-" + kind + ":" + link.id(), Purpose.TRANSACTIONAL, AccountLinkBasis.TYPE, link.id(),
                contact.id, subject, text, html));
    }

    private static ValjeanException expired() {
        return new ValjeanException(410, "LINK_EXPIRED", "Link expired",
                "This link no longer works: it was used already, replaced by a newer one, or is too old. Ask an admin for a new invitation, "
                        + "or ask for a new reset link.");
    }

    static String roleName(Role role) {
        return switch (role) {
            case ADMIN -> "an admin";
            case EDITOR -> "an editor";
            case SALES -> "a sales person";
            case BOUNCES -> "a bounce feed";
        };
    }
}
