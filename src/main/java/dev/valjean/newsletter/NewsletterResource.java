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

/** Newsletters, for editors: name, cadence promise, sender, and the versioned consent text of their forms. */
@Path("/api/v1/newsletters")
@Authorized({ Role.ADMIN, Role.EDITOR })
public class NewsletterResource {

    static final String SLUG = "[a-z0-9][a-z0-9-]{0,62}";
    static final String ONE_LINE = "[^\\r\\n\\p{Cntrl}]*";

    public record CreateNewsletter(
            @NotBlank @Pattern(regexp = SLUG, message = "lower-case letters, digits and dashes, up to 63") String slug,
            @NotBlank @Size(max = 120) @Pattern(regexp = ONE_LINE, message = "one line") String name,
            @Size(max = 1000) @MultiLine String description,
            @NotNull Cadence cadence,
            @NotBlank @Size(max = 100) @Pattern(regexp = ONE_LINE, message = "one line") String senderName,
            @NotBlank @Size(max = 254) String senderAddress,
            @NotBlank @Size(max = 2000) @MultiLine String consentText,
            @Min(10) @Max(200) Integer subjectMax,
            @Min(10) @Max(300) Integer titleMax,
            @Min(50) @Max(3000) Integer bodyMax,
            @Size(max = 500) @MultiLine String postalAddress) {
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

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Create a newsletter with its consent text")
    @POST
    public RestResponse<NewsletterView> create(@Valid @NotNull CreateNewsletter r) {
        NewsletterService.Current created = newsletters.create(r.slug(), new NewsletterService.Change(r.name(),
                r.description(), r.cadence(), r.senderName(), r.senderAddress(), r.consentText(), r.subjectMax(), r.titleMax(),
                r.bodyMax(), r.postalAddress()));
        return RestResponse.ResponseBuilder.<NewsletterView> created(URI.create("/api/v1/newsletters/" + r.slug()))
                .entity(NewsletterView.of(created)).build();
    }

    /** Newsletters by slug: {@code limit} (1–500, 100) after the slug {@code before}. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "List newsletters")
    @GET
    public List<NewsletterView> list(@jakarta.ws.rs.QueryParam("before") String before, @jakarta.ws.rs.QueryParam("limit") Integer limit) {
        return dev.valjean.common.Pages.after(newsletters.list().stream().map(NewsletterView::of).toList(), NewsletterView::slug, before, limit);
    }

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Read a newsletter")
    @GET
    @Path("/{slug}")
    public NewsletterView get(@PathParam("slug") String slug) {
        return NewsletterView.of(newsletters.get(slug));
    }

    /**
     * Changes the given fields (a merge patch: fields left out stay; every field of a newsletter is
     * required, so none is cleared); a new consent text becomes a new version, the old ones stay.
     */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Change some fields of a newsletter")
    @PATCH
    @Path("/{slug}")
    @jakarta.ws.rs.Consumes({ dev.valjean.common.MergePatch.MEDIA_TYPE, jakarta.ws.rs.core.MediaType.APPLICATION_JSON })
    public NewsletterView change(@PathParam("slug") String slug, @Valid @NotNull ChangeNewsletter r) {
        return NewsletterView.of(newsletters.change(slug, new NewsletterService.Change(r.name(), r.description(),
                r.cadence(), r.senderName(), r.senderAddress(), r.consentText(), r.subjectMax(), r.titleMax(), r.bodyMax(),
                r.postalAddress())));
    }

    /** Every consent text version this newsletter's forms have shown. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "List every consent text version a newsletter has shown")
    @GET
    @Path("/{slug}/consent-texts")
    public List<ConsentTextView> consentTexts(@PathParam("slug") String slug, @jakarta.ws.rs.QueryParam("before") String before,
            @jakarta.ws.rs.QueryParam("limit") Integer limit) {
        return dev.valjean.common.Pages.after(newsletters.consentHistory(slug).stream()
                .map(t -> new ConsentTextView(t.version, t.text, t.createdAt)).toList(), t -> String.valueOf(t.version()), before, limit);
    }
}
