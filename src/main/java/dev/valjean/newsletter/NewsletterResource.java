package dev.valjean.newsletter;

import dev.valjean.common.MultiLine;

import java.net.URI;
import java.time.Instant;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

import org.jboss.resteasy.reactive.RestResponse;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;

/** Newsletters, for editors: name, cadence promise, sender, and the versioned consent text of their forms. */
@Path("/api/v1/newsletters")
@Authorized({ Role.ADMIN, Role.EDITOR })
public class NewsletterResource {

    static final String SLUG = "[a-z0-9][a-z0-9-]{0,62}";
    /** No line break or other control character; written so JavaScript (and the OpenAPI document's readers) reads it the same. */
    static final String ONE_LINE = "[^\\x00-\\x1F\\x7F]*";

    public record CreateNewsletter(
            @NotBlank @Pattern(regexp = SLUG, message = "lower-case letters, digits and dashes, up to 63") @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "weekly") String slug,
            @NotBlank @Size(max = 120) @Pattern(regexp = ONE_LINE, message = "one line") @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "The Weekly") String name,
            @Size(max = 1000) @MultiLine String description,
            @NotNull Cadence cadence,
            @NotBlank @Size(max = 100) @Pattern(regexp = ONE_LINE, message = "one line") @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Valjean News") String senderName,
            @NotBlank @Size(max = 254) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "news@example.com") String senderAddress,
            @NotBlank @Size(max = 2000) @MultiLine @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Send me The Weekly: one short issue a week, three items at most. I can leave with one click.") String consentText,
            @Min(10) @Max(200) Integer subjectMax,
            @Min(10) @Max(300) Integer titleMax,
            @Min(50) @Max(3000) Integer bodyMax,
            @Size(max = 500) @MultiLine @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Valjean SAS, 1 rue de la Paix, 75002 Paris") String postalAddress) {
    }

    public record ChangeNewsletter(
            @Size(min = 1, max = 120) @Pattern(regexp = ONE_LINE, message = "one line") String name,
            @Size(max = 1000) @MultiLine String description,
            Cadence cadence,
            @Size(min = 1, max = 100) @Pattern(regexp = ONE_LINE, message = "one line") String senderName,
            @Size(min = 1, max = 254) String senderAddress,
            @Size(min = 1, max = 2000) @MultiLine String consentText,
            @Min(10) @Max(200) Integer subjectMax,
            @Min(10) @Max(300) Integer titleMax,
            @Min(50) @Max(3000) Integer bodyMax,
            @Size(max = 500) @MultiLine String postalAddress) {
    }

    public record NewsletterView(String slug, String name, String description, Cadence cadence, String senderName,
            String senderAddress, String consentText, int consentVersion, int subjectMax, int titleMax, int bodyMax,
            String postalAddress, Instant createdAt, Instant updatedAt) {
        static NewsletterView of(NewsletterService.Current c) {
            Newsletter n = c.newsletter();
            return new NewsletterView(n.slug, n.name, n.description, n.cadence, n.senderName, n.senderAddress,
                    c.consent().text, c.consent().version, n.subjectMax, n.titleMax, n.bodyMax, n.postalAddress,
                    n.createdAt, n.updatedAt);
        }
    }

    public record ConsentTextView(int version, String text, Instant createdAt) {
    }

    private final NewsletterService newsletters;

    public NewsletterResource(NewsletterService newsletters) {
        this.newsletters = newsletters;
    }

    @Operation(operationId = "createNewsletter", summary = "Create a newsletter with its consent text",
            description = "Creates a newsletter with its cadence promise (shown on every form and checked before each issue is sent), its sender, the consent text its forms show (version 1) and the length limits of its issues.")
    @APIResponse(responseCode = "201", description = "The newsletter; Location is its address", content = @Content(mediaType = "application/json", schema = @Schema(implementation = NewsletterResource.NewsletterView.class)))
    @APIResponse(responseCode = "409", description = "SLUG_TAKEN: a newsletter already has this slug")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), INVALID_EMAIL (senderAddress)")
    @POST
    public RestResponse<NewsletterView> create(@Valid @NotNull CreateNewsletter r) {
        NewsletterService.Current created = newsletters.create(r.slug(), new NewsletterService.Change(r.name(),
                r.description(), r.cadence(), r.senderName(), r.senderAddress(), r.consentText(), r.subjectMax(), r.titleMax(),
                r.bodyMax(), r.postalAddress()));
        return RestResponse.ResponseBuilder.<NewsletterView> created(URI.create("/api/v1/newsletters/" + r.slug()))
                .entity(NewsletterView.of(created)).build();
    }

    /** Newsletters by slug: {@code limit} (1–500, 100) after the slug {@code before}. */
    @Operation(operationId = "listNewsletters", summary = "List newsletters",
            description = "Newsletters ordered by slug: limit (1-500, default 100) after the slug given as before.")
    @APIResponse(responseCode = "200", description = "The newsletters by slug", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = NewsletterView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED: limit out of range")
    @GET
    public List<NewsletterView> list(@jakarta.ws.rs.QueryParam("before") String before, @jakarta.ws.rs.QueryParam("limit") Integer limit) {
        return dev.valjean.common.Pages.after(newsletters.list().stream().map(NewsletterView::of).toList(), NewsletterView::slug, before, limit);
    }

    @Operation(operationId = "getNewsletter", summary = "Read a newsletter",
            description = "One newsletter with its current consent text and version.")
    @GET
    @Path("/{slug}")
    public NewsletterView get(@PathParam("slug") String slug) {
        return NewsletterView.of(newsletters.get(slug));
    }

    /**
     * Changes the given fields (a merge patch: fields left out stay; every field of a newsletter is
     * required, so none is cleared); a new consent text becomes a new version, the old ones stay.
     */
    @Operation(operationId = "patchNewsletter", summary = "Change some fields of a newsletter",
            description = "A JSON Merge Patch (RFC 7396) of the newsletter: only the given fields change; none can be cleared. A changed consentText becomes a new version for forms from now on; the proofs of earlier sign-ups keep the text they were shown.")
    @APIResponse(responseCode = "200", description = "The newsletter", content = @Content(mediaType = "application/json", schema = @Schema(implementation = NewsletterView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), INVALID_EMAIL (senderAddress)")
    @PATCH
    @Path("/{slug}")
    @jakarta.ws.rs.Consumes({ dev.valjean.common.MergePatch.MEDIA_TYPE, jakarta.ws.rs.core.MediaType.APPLICATION_JSON })
    public NewsletterView change(@PathParam("slug") String slug, @Valid @NotNull ChangeNewsletter r) {
        return NewsletterView.of(newsletters.change(slug, new NewsletterService.Change(r.name(), r.description(),
                r.cadence(), r.senderName(), r.senderAddress(), r.consentText(), r.subjectMax(), r.titleMax(), r.bodyMax(),
                r.postalAddress())));
    }

    /** Every consent text version this newsletter's forms have shown. */
    @Operation(operationId = "listConsentTexts", summary = "List every consent text version a newsletter has shown",
            description = "Every version of the consent text the newsletter's forms have shown, oldest first; limit and before (a version) page it.")
    @GET
    @Path("/{slug}/consent-texts")
    public List<ConsentTextView> consentTexts(@PathParam("slug") String slug, @jakarta.ws.rs.QueryParam("before") String before,
            @jakarta.ws.rs.QueryParam("limit") Integer limit) {
        return dev.valjean.common.Pages.after(newsletters.consentHistory(slug).stream()
                .map(t -> new ConsentTextView(t.version, t.text, t.createdAt)).toList(), t -> String.valueOf(t.version()), before, limit);
    }
}
