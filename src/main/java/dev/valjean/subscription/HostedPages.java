package dev.valjean.subscription;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

import dev.valjean.abuse.AbuseGuard;
import dev.valjean.auth.PublicEndpoint;
import dev.valjean.common.ClientAddress;
import dev.valjean.common.PersonalPage;
import dev.valjean.common.RequestHygiene;
import dev.valjean.common.ValjeanException;
import dev.valjean.contact.Contact;
import dev.valjean.mail.Links;
import dev.valjean.newsletter.Brand;
import dev.valjean.newsletter.ConsentText;
import dev.valjean.newsletter.Newsletter;
import io.quarkus.logging.Log;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.vertx.core.http.HttpServerRequest;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;

/**
 * The pages people see: the hosted sign-up form (works without JavaScript), the confirmation
 * page, one-click unsubscribe and the preference centre. No cookies, no login: the links carry
 * the proof. A GET never changes anything, so link scanners confirm and unsubscribe nothing.
 */
@PublicEndpoint
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class HostedPages {

    static final String ACCEPTED_TITLE = "Check your inbox";
    @jakarta.inject.Inject
    SubscriptionConfig config;

    private final SignupFlow flow;
    private final SubscriptionService subscriptions;
    private final PreferenceService preferences;
    private final AbuseGuard guard;
    private final dev.valjean.abuse.CaptchaVerifier captcha;
    private final Links links;
    private final Template subscribePage;
    private final Template message;
    /** One-click answers by the newsletter name and brand they show ({@link #leftPage}). */
    private final java.util.Map<PreferenceService.Left, String> leftPages = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int LEFT_PAGES_KEPT = 256;
    private final Template confirmPage;
    private final Template unsubscribePage;
    private final Template preferencesPage;
    private final String hostedScript;

    public HostedPages(SignupFlow flow, SubscriptionService subscriptions, PreferenceService preferences, AbuseGuard guard,
            dev.valjean.abuse.CaptchaVerifier captcha, Links links, @Location("pages/subscribe.html") Template subscribePage, @Location("pages/message.html") Template message,
            @Location("pages/confirm.html") Template confirmPage, @Location("pages/unsubscribe.html") Template unsubscribePage,
            @Location("pages/preferences.html") Template preferencesPage) {
        this.flow = flow;
        this.subscriptions = subscriptions;
        this.preferences = preferences;
        this.guard = guard;
        this.captcha = captcha;
        this.links = links;
        this.subscribePage = subscribePage;
        this.message = message;
        this.confirmPage = confirmPage;
        this.unsubscribePage = unsubscribePage;
        this.preferencesPage = preferencesPage;
        this.hostedScript = hostedScript();
    }

    @Operation(operationId = "showSignupPage", summary = "Show a newsletter's hosted sign-up page",
            description = "A newsletter's hosted sign-up page with its consent text and cadence.")
    @GET
    @Path("subscribe/{slug}")
    public Response subscribeForm(@PathParam("slug") String slug) {
        Optional<Newsletter> newsletter = Newsletter.findBySlug(slug);
        if (newsletter.isEmpty()) {
            return notFound();
        }
        return page(200, form(newsletter.get(), null, null, null));
    }

    @Operation(operationId = "signupFromPage", summary = "Sign up from the hosted page",
            description = "A sign-up from the hosted page (form-encoded); the same checks and answer as the API.")
    @APIResponse(responseCode = "200", description = "The page", content = @Content(mediaType = "text/html"))
    @APIResponse(responseCode = "429", description = "TOO_MANY_REQUESTS")
    @POST
    @Path("subscribe/{slug}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @org.eclipse.microprofile.openapi.annotations.parameters.RequestBody(content = @Content(mediaType = "application/x-www-form-urlencoded",
            schema = @Schema(type = SchemaType.OBJECT, description = "The page's fields: email, name, consent (true or on), consentVersion, altcha or the captcha's response, formToken, and the empty honeypot website")))
    public Response subscribe(@PathParam("slug") String slug, MultivaluedMap<String, String> form,
            @Context HttpHeaders headers, @Context HttpServerRequest http) {
        RequestHygiene.checkForm(form);
        Optional<Newsletter> newsletter = Newsletter.findBySlug(slug);
        if (newsletter.isEmpty()) {
            return notFound();
        }
        String ip = ClientAddress.of(http);
        Integer version = parseVersion(form.getFirst("consentVersion"));
        var signup = new SubscriptionService.Signup(form.getFirst("email"), form.getFirst("name"), List.of(slug),
                "true".equals(form.getFirst("consent")) || "on".equals(form.getFirst("consent")), version,
                Source.HOSTED_PAGE, links.subscribe(slug), ip, headers.getHeaderString(HttpHeaders.USER_AGENT));
        try {
            flow.submit(new SignupFlow.Attempt(signup, form.getFirst("website"),
                    new AbuseGuard.Proof(ip, form.getFirst("altcha"), form.getFirst("formToken"), captchaOf(form)), false, true));
        } catch (ValjeanException e) {
            Response.ResponseBuilder answer = Response.status(e.status)
                    .entity(form(newsletter.get(), "CHALLENGE_FAILED".equals(e.code)
                            ? "We could not tell you from a robot this time. Please wait a few seconds and send the form again."
                            : e.getMessage(), form.getFirst("email"), form.getFirst("name")))
                    .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).cacheControl(PersonalPage.noStore());
            if (e.retryAfterSeconds() != null) {
                answer.header("Retry-After", e.retryAfterSeconds());
            }
            return answer.build();
        }
        // The same duration the confirmation email states.
        long days = config.confirmTtl().toDays();
        return page(200, message("Check your inbox", List.of(
                "If the address can receive email, we sent it a link to confirm your subscription.",
                "Nothing is subscribed until you confirm. The link works for " + days + (days == 1 ? " day." : " days.")), null, null,
                newsletter.get()));
    }

    @Operation(operationId = "showConfirmPage", summary = "Show the confirmation page of a sign-up",
            description = "The page a confirmation link opens: a button confirms (a link scanner's GET changes nothing).")
    @GET
    @Path("confirm/{token}")
    public Response confirmPage(@PathParam("token") String token) {
        SubscriptionService.Confirmation c = subscriptions.inspect(token);
        if (c.outcome() == SubscriptionService.Outcome.PENDING) {
            var confirm = confirmPage.data("token", token).data("newsletters", c.newsletters());
            if (!c.newsletters().isEmpty()) {
                confirm = confirm.data("brand", c.newsletters().get(0).brand());
            }
            return page(200, confirm.render());
        }
        return confirmation(c);
    }

    @Operation(operationId = "confirmSubscription", summary = "Confirm a sign-up",
            description = "Confirms a sign-up: the subscription starts and the ledger records it.")
    @POST
    @Path("confirm/{token}")
    public Response confirm(@PathParam("token") String token, @Context HttpHeaders headers, @Context HttpServerRequest http) {
        SubscriptionService.Confirmation c = subscriptions.confirm(token, ClientAddress.of(http), headers.getHeaderString(HttpHeaders.USER_AGENT));
        if (c.outcome() == SubscriptionService.Outcome.CONFIRMED) {
            return page(200, message("You are subscribed", List.of("Thank you. You will receive " + names(c.newsletters())
                    + ". Every email has a link to leave in one click."), null, null, c.newsletters().isEmpty() ? null : c.newsletters().get(0)));
        }
        return confirmation(c);
    }

    @Operation(operationId = "showUnsubscribePage", summary = "Show the unsubscribe page",
            description = "The page an unsubscribe link opens.")
    @GET
    @Path("unsubscribe/{token}")
    public Response unsubscribePage(@PathParam("token") String token) {
        Optional<Newsletter> newsletter = preferences.newsletterOf(token);
        if (newsletter.isEmpty()) {
            return notFound();
        }
        Long subscription = links.subscriptionOf(token);
        long contactId = Subscription.<Subscription> findByIdOptional(subscription).map(s -> s.contactId).orElse(0L);
        return page(200, unsubscribePage.data("token", token).data("newsletter", newsletter.get()).data("brand", newsletter.get().brand())
                .data("preferencesUrl", "/preferences/" + links.preferencesToken(contactId)).render());
    }

    /**
     * RFC 8058 one-click: any POST (form-encoded or multipart, normally with
     * {@code List-Unsubscribe=One-Click}) leaves this newsletter. Repeating it answers 200 again.
     */
    @Operation(operationId = "unsubscribeOneClick", summary = "Unsubscribe in one click (RFC 8058)",
            description = "Unsubscribes at once (RFC 8058 List-Unsubscribe-Post, or the page's button); always works, even for a token of an erased person (answers the same).")
    @POST
    @Path("unsubscribe/{token}")
    @Consumes(MediaType.WILDCARD)
    public Response unsubscribe(@PathParam("token") String token, @Context HttpHeaders headers, @Context HttpServerRequest http) {
        String agent = headers.getHeaderString(HttpHeaders.USER_AGENT);
        Optional<PreferenceService.Left> left = preferences.unsubscribe(token, "ONE_CLICK", ClientAddress.of(http), agent);
        if (left.isEmpty()) {
            return notFound();
        }
        return page(200, leftPage(left.get()));
    }

    /**
     * The answer to a one-click unsubscribe, rendered once for each newsletter name and brand and
     * kept: mailbox providers post these in waves after an issue, and the page was a tenth of the
     * request's work (docs/BENCHMARKS.md, twenty-sixth session). Kept by the values it shows, so a
     * renamed or rebranded newsletter gets a new page; emptied when full.
     */
    private String leftPage(PreferenceService.Left left) {
        String known = leftPages.get(left);
        if (known != null) {
            return known;
        }
        String html = message("You have left " + left.name(), List.of(
                "You will not receive " + left.name() + " any more. Other subscriptions, if any, are unchanged."), null, null,
                left.brand());
        if (leftPages.size() >= LEFT_PAGES_KEPT) {
            leftPages.clear();
        }
        leftPages.put(left, html);
        return html;
    }

    @Operation(operationId = "showPreferences", summary = "Show a person's preference centre",
            description = "A person's preference centre: every newsletter they are subscribed to.")
    @GET
    @Path("preferences/{token}")
    public Response preferencesPage(@PathParam("token") String token) {
        Optional<Contact> contact = preferences.contactOf(token);
        if (contact.isEmpty()) {
            return notFound();
        }
        return page(200, preferences(token, contact.get().id, null));
    }

    /**
     * The preference centre's answer: what is ticked stays, what is unticked is left; newsletters
     * ticked under "Also available" become new requests with double opt-in; "Never email me
     * again" asks first, then suppresses the address.
     */
    @Operation(operationId = "changePreferences", summary = "Change subscriptions from the preference centre",
            description = "Leaves the newsletters unticked in the preference centre.")
    @POST
    @Path("preferences/{token}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @org.eclipse.microprofile.openapi.annotations.parameters.RequestBody(content = @Content(mediaType = "application/x-www-form-urlencoded",
            schema = @Schema(type = SchemaType.OBJECT, description = "The page's fields: shown and keep (newsletter slugs, repeated), leave, join with version-<slug>, all=true to leave everything, optOut=true with confirm=yes to stop follow-ups")))
    public Response leave(@PathParam("token") String token, MultivaluedMap<String, String> form, @Context HttpHeaders headers,
            @Context HttpServerRequest http) {
        RequestHygiene.checkForm(form);
        Optional<Contact> contact = preferences.contactOf(token);
        if (contact.isEmpty()) {
            return notFound();
        }
        long contactId = contact.get().id;
        String ip = ClientAddress.of(http);
        String userAgent = headers.getHeaderString(HttpHeaders.USER_AGENT);
        if ("true".equals(form.getFirst("optOut")) && !"yes".equals(form.getFirst("confirm"))) {
            return page(200, preferencesPage.data("token", token).data("lines", preferences.lines(contactId))
                    .data("offers", List.of()).data("notice", null).data("askOptOut", true).render());
        }
        boolean optOut = "true".equals(form.getFirst("optOut"));
        boolean all = "true".equals(form.getFirst("all"));
        Set<String> slugs = new HashSet<>(Optional.ofNullable(form.get("leave")).orElse(List.of()));
        if (form.containsKey("shown")) {
            // The ticked list: every shown newsletter that is no longer ticked is left.
            Set<String> keep = new HashSet<>(Optional.ofNullable(form.get("keep")).orElse(List.of()));
            form.get("shown").stream().filter(slug -> !keep.contains(slug)).forEach(slugs::add);
        }
        int left = preferences.leave(contactId, slugs, all, optOut, ip, userAgent);
        List<String> joined = new java.util.ArrayList<>();
        if (!optOut) {
            for (String slug : Optional.ofNullable(form.get("join")).orElse(List.of())) {
                Integer version = parseVersion(form.getFirst("version-" + slug));
                var signup = new SubscriptionService.Signup(contact.get().email, null, List.of(slug), true, version, Source.PREFERENCE_CENTRE,
                        links.preferences(contactId), ip, userAgent);
                try {
                    // The signed link proves the address; the confirmation email still asks before anything is sent.
                    flow.submit(new SignupFlow.Attempt(signup, null, new AbuseGuard.Proof(ip, null, null, null), true, false));
                    joined.add(slug);
                } catch (ValjeanException e) {
                    Log.infof("Preference centre join of %s refused: %s", slug, e.code);
                }
            }
        }
        List<String> said = new java.util.ArrayList<>();
        if (optOut) {
            said.add("Done: we will not email you again, unless you subscribe anew and confirm.");
        } else if (left > 0) {
            said.add("Done: you left " + left + (left == 1 ? " newsletter." : " newsletters."));
        }
        if (!joined.isEmpty()) {
            said.add("We sent you an email to confirm " + (joined.size() == 1 ? "the newsletter you chose" : "the newsletters you chose")
                    + ": nothing new arrives until you confirm.");
        }
        return page(200, preferences(token, contactId, said.isEmpty() ? "Nothing changed." : String.join(" ", said)));
    }

    private String preferences(String token, long contactId, String notice) {
        return preferencesPage.data("token", token).data("lines", preferences.lines(contactId)).data("offers", preferences.offers(contactId))
                .data("notice", notice).data("askOptOut", false).render();
    }

    private Response confirmation(SubscriptionService.Confirmation c) {
        return switch (c.outcome()) {
            case NOT_FOUND -> notFound();
            case ALREADY_CONFIRMED -> page(200, message("Already confirmed", List.of("This subscription is confirmed already: "
                    + names(c.newsletters()) + ". There is nothing more to do."), null, null));
            case EXPIRED -> {
                Newsletter first = c.newsletters().isEmpty() ? null : c.newsletters().get(0);
                yield page(410, message("This link has expired", List.of(
                        "Confirmation links work for a limited time, and this one is too old. Nothing was subscribed.",
                        "You can ask again; we will send a new link."),
                        first == null ? null : "/subscribe/" + first.slug, first == null ? null : "Subscribe to " + first.name));
            }
            case PENDING, CONFIRMED -> throw new IllegalStateException("handled by the caller");
        };
    }

    private String form(Newsletter newsletter, String error, String email, String name) {
        ConsentText consent = ConsentText.current(newsletter.id).orElseThrow();
        return subscribePage.data("newsletter", newsletter)
                .data("brand", newsletter.brand())
                .data("cadence", ConfirmationMail.cadenceOf(newsletter))
                .data("consentText", consent.text)
                .data("consentVersion", consent.version)
                .data("formToken", guard.newFormToken())
                .data("error", error)
                .data("email", email)
                .data("name", name)
                .data("script", hostedScript)
                .data("captcha", captcha)
                .render();
    }

    private String message(String title, List<String> paragraphs, String linkUrl, String linkText) {
        return message(title, paragraphs, linkUrl, linkText, (Brand) null);
    }

    /** A message page in the newsletter's colours, when it concerns one. */
    private String message(String title, List<String> paragraphs, String linkUrl, String linkText, Newsletter about) {
        return message(title, paragraphs, linkUrl, linkText, about == null ? null : about.brand());
    }

    private String message(String title, List<String> paragraphs, String linkUrl, String linkText, Brand brand) {
        var page = message.data("title", title).data("paragraphs", paragraphs).data("linkUrl", linkUrl).data("linkText", linkText);
        if (brand != null) {
            page = page.data("brand", brand);
        }
        return page.render();
    }

    private Response notFound() {
        return page(404, message("Not found", List.of("This link is not valid. Check that it was copied whole."), null, null));
    }

    private static Response page(int status, String html) {
        return PersonalPage.of(status, html);
    }

    private static String names(List<Newsletter> newsletters) {
        return String.join(", ", newsletters.stream().map(n -> n.name).toList());
    }

    private static Integer parseVersion(String v) {
        try {
            return v == null || v.isBlank() ? null : Integer.valueOf(v.strip());
        } catch (NumberFormatException e) {
            return -1; // refused by validation as an unknown version
        }
    }

    private static String captchaOf(MultivaluedMap<String, String> form) {
        String turnstile = form.getFirst("cf-turnstile-response");
        return turnstile != null ? turnstile : form.getFirst("h-captcha-response");
    }

    /**
     * The script of Valjean's own form pages: it solves the proof-of-work challenge before the form
     * posts (a form with the id {@code valjean-subscribe}); without it the form's one-time token stands in.
     */
    public static String hostedScript() {
        return resource("web/solver.js") + resource("web/hosted.js");
    }

    static String resource(String name) {
        try (InputStream in = HostedPages.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
